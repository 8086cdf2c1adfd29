from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from synthfoundry.cli.common import fail, stderr, stdout

if TYPE_CHECKING:
    import pandas as pd


def read_table(path: Path) -> pd.DataFrame:
    """A CSV, TSV, Parquet, JSON or JSON Lines file (gzip allowed) as a DataFrame."""
    import pandas as pd

    if not path.exists():
        raise fail(f"no such file: {path}", code=2)
    suffixes = [suffix.lower() for suffix in path.suffixes]
    try:
        if ".parquet" in suffixes or ".pq" in suffixes:
            return pd.read_parquet(path)
        if ".jsonl" in suffixes or ".ndjson" in suffixes:
            return pd.read_json(path, lines=True)
        if ".json" in suffixes:
            return pd.read_json(path)
        if ".tsv" in suffixes:
            return pd.read_csv(path, sep="\t")
        return pd.read_csv(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read {path}: {exc}", code=2) from None


def evaluate(
    real: Annotated[Path, typer.Argument(help="The real table the generator learned from.")],
    synthetic: Annotated[Path, typer.Argument(help="The synthetic table to judge.")],
    holdout: Annotated[Path | None, typer.Option(help="Real rows the generator never saw.")] = None,
    target: Annotated[
        str | None, typer.Option(help="Column to predict for the utility test.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the HTML report here.")
    ] = None,
    json_output: Annotated[
        Path | None, typer.Option("--json", help="Write the JSON report here.")
    ] = None,
) -> None:
    """Measure a synthetic table's fidelity, utility, privacy and validity against the real one."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from synthfoundry.errors import SynthfoundryError
    from synthfoundry.evaluation import evaluate as run_evaluation

    tables = [read_table(real), read_table(synthetic), read_table(holdout) if holdout else None]
    columns = [TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=stderr, transient=True) as bar:
        task = bar.add_task("evaluating", total=None)

        def progress(
            stage: str, completed: float, total: float | None, unit: str = "", message: str = ""
        ) -> None:
            bar.update(task, description=stage, completed=completed, total=total)

        try:
            report = run_evaluation(
                tables[0], tables[1], holdout=tables[2], target=target, progress=progress
            )
        except SynthfoundryError as exc:
            raise fail(exc.detail) from None
    if output:
        report.save_html(output)
        stderr.print(f"HTML report: {output}")
    if json_output:
        json_output.write_text(report.model_dump_json(indent=2))
        stderr.print(f"JSON report: {json_output}")
    stdout.print_json(json.dumps(report.summary()))
