"""The tabular path in four commands: ``train``, ``generate``, ``probe`` and ``report``."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated, Any

import typer

from synthfoundry.cli.common import fail
from synthfoundry.cli.evaluate import read_table
from synthfoundry.cli.remote import (
    ApiKey,
    BaseUrl,
    Output,
    OutputOption,
    Wait,
    connected,
    parse_params,
    show,
    show_details,
)

DOWNLOAD_FORMATS = ("csv", "json", "parquet", "zip")


def train(
    dataset: Annotated[str, typer.Option("--dataset", help="dataset id")],
    synthesizer: Annotated[str | None, typer.Option(help="model; default: the default")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="name=value, repeatable")
    ] = None,
    name: Annotated[str | None, typer.Option(help="the generator's name")] = None,
    wait: Wait = False,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Create a generator on a dataset and train it (with --wait, until it is trained)."""
    with connected(base_url, api_key) as client:
        generator = client.train(
            dataset, synthesizer, parse_params(param or []), name=name, wait=wait, progress_bar=wait
        )
        fields = ("id", "name", "synthesizer", "status", "training_job_id", "training_report")
        show(generator, output, fields)


def generate(
    generator: Annotated[str, typer.Argument(help="generator id")],
    size: Annotated[
        int, typer.Option(help="rows (with --mix or --known: their number instead)")
    ] = 1000,
    seed: Annotated[int | None, typer.Option(help="for reproducible rows")] = None,
    condition: Annotated[
        list[str] | None,
        typer.Option("--condition", help="column=value or column=[low,high], repeatable"),
    ] = None,
    mix: Annotated[
        list[str] | None,
        typer.Option(
            "--mix",
            help='"count=300 sex=Female age=[30,40]": that many rows with those values; '
            "repeatable, one per group",
        ),
    ] = None,
    rebalance: Annotated[
        str | None, typer.Option(help="a categorical column whose shares --share sets")
    ] = None,
    share: Annotated[
        list[str] | None,
        typer.Option("--share", help="category=fraction for --rebalance, repeatable"),
    ] = None,
    known: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="a table of partial rows (some columns): one row made per row, its values kept",
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="download the rows here")] = None,
    report: Annotated[bool, typer.Option(help="also judge the rows")] = False,
    name: Annotated[str | None, typer.Option(help="the synthetic dataset's name")] = None,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Generate rows from a trained generator, waiting for the job.

    -o downloads them (the format follows the file's suffix). Steer the rows with --condition
    (every row), --mix (groups with counts), --rebalance with --share (category shares) or
    --known (partial rows to complete)."""
    file_format = (out.suffix.lstrip(".").lower() if out else "") or "csv"
    if file_format not in DOWNLOAD_FORMATS:
        raise fail(f"-o {out}: use a .csv, .json, .parquet or .zip file", code=2)
    if sum(bool(way) for way in (condition, mix, rebalance, known)) > 1:
        raise fail("give one of --condition, --mix, --rebalance and --known", code=2)
    if bool(rebalance) != bool(share):
        raise fail("--rebalance COLUMN and --share CATEGORY=FRACTION go together", code=2)
    conditions: dict[str, Any] | list[dict[str, Any]] | None = None
    if condition:
        conditions = parse_params(condition, "--condition")
    elif mix:
        conditions = [parse_params(shlex.split(group), "--mix") for group in mix]
    balance = None
    if rebalance:
        balance = {"column": rebalance, "shares": parse_params(share or [], "--share")}
    partial_rows = read_table(known) if known is not None else None
    with connected(base_url, api_key) as client:
        made = client.synthetic_datasets.create(
            generator,
            size,
            seed=seed,
            conditions=conditions,
            rebalance=balance,
            known=partial_rows,
            file_format=file_format,
            report=report,
            name=name,
            progress_bar=True,
        )
        if out is not None:
            client.synthetic_datasets.download(made["id"], out)
        show(made, output, ("id", "name", "rows", "status", "size_bytes", "report"))


def probe(
    generator: Annotated[str, typer.Argument(help="generator id")],
    rows: Annotated[int, typer.Option(help="at most 1000")] = 10,
    seed: Annotated[int | None, typer.Option()] = None,
    condition: Annotated[
        list[str] | None,
        typer.Option("--condition", help="column=value or column=[low,high], repeatable"),
    ] = None,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """A few rows at once from a trained generator, columns in the table's order."""
    conditions = parse_params(condition or [], "--condition") or None
    with connected(base_url, api_key) as client:
        found = client.generators.probe_rows(generator, rows, seed=seed, conditions=conditions)
        show(found["rows"], output, found["columns"])


def report(
    real: Annotated[str, typer.Argument(help="real dataset id")],
    synthetic: Annotated[str, typer.Argument(help="synthetic dataset id")],
    holdout: Annotated[str | None, typer.Option(help="holdout dataset id")] = None,
    target: Annotated[str | None, typer.Option(help="column to predict")] = None,
    html: Annotated[Path | None, typer.Option(help="save the HTML report here")] = None,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Judge a synthetic dataset against the real one on the server."""
    with connected(base_url, api_key) as client:
        judged = client.evaluate(
            real, synthetic, holdout_dataset_id=holdout, target=target, progress_bar=True
        )
        if html is not None:
            client.reports.download(judged["id"], html)
        show_details(judged, output, ("id", "status", "summary"))
