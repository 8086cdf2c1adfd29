"""Commands that talk to a Synthfoundry server through the Python client: data goes to stdout
(a table, or JSON with ``--output json``), progress bars and errors to stderr; a failed job exits
non-zero."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.table import Table

from synthfoundry.cli.common import fail, stdout
from synthfoundry.client import APIError, Client, JobFailed


class Output(StrEnum):
    TABLE = "table"
    JSON = "json"


BaseUrl = Annotated[
    str | None, typer.Option("--base-url", envvar="SYNTHFOUNDRY_BASE_URL", help="server URL")
]
ApiKey = Annotated[
    str | None,
    typer.Option("--api-key", envvar="SYNTHFOUNDRY_API_KEY", help="an API key", show_default=False),
]
OutputOption = Annotated[Output, typer.Option("--output", "-O", help="table or json")]
Wait = Annotated[bool, typer.Option("--wait/--no-wait", help="wait for the job to finish")]

datasets_app = typer.Typer(
    help="Upload, list, inspect and download datasets.", no_args_is_help=True
)
jobs_app = typer.Typer(help="List, watch and cancel jobs.", no_args_is_help=True)


@contextmanager
def connected(base_url: str | None, api_key: str | None) -> Iterator[Client]:
    """A client whose errors end the command with a readable message and a non-zero exit."""
    try:
        with Client(base_url, api_key) as client:
            yield client
    except JobFailed as failed:
        raise fail(f"job {failed.job['id']} {failed.job['status']}: {failed.detail}") from None
    except APIError as error:
        raise fail(f"{error.status} {error.code}: {error.detail}") from None
    except httpx.HTTPError as error:
        raise fail(f"cannot reach the server: {error}") from None


def show(value: Any, output: Output, columns: tuple[str, ...] = ()) -> None:
    if output == Output.JSON:
        typer.echo(json.dumps(value, indent=2, default=str))
        return
    rows = value if isinstance(value, list) else [value]
    keys = list(columns) or sorted({key for row in rows for key in row})
    table = Table()
    for key in keys:  # ids are never cut short: they are what the next command needs
        table.add_column(key, min_width=36 if key.endswith("id") else None, overflow="fold")
    for row in rows:
        table.add_row(*[_cell(row.get(key)) for key in keys])
    stdout.print(table)


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)[:80]
    return "" if value is None else str(value)


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` pairs; values are JSON where they parse as JSON (numbers, booleans, lists)."""
    params: dict[str, Any] = {}
    for pair in pairs:
        key, separator, raw = pair.partition("=")
        if not separator or not key:
            raise fail(f"--param {pair!r}: write it as name=value", code=2)
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params


DATASET_COLUMNS = ("id", "name", "rows", "columns", "source_format", "created_at")
JOB_COLUMNS = ("id", "kind", "status", "progress", "created_at")


@datasets_app.command("upload")
def upload(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Upload a CSV, TSV, Parquet, JSON or JSON Lines file (optionally .gz)."""
    with connected(base_url, api_key) as client:
        show(client.datasets.upload(file, name=name), output, DATASET_COLUMNS)


@datasets_app.command("list")
def list_datasets(
    base_url: BaseUrl = None, api_key: ApiKey = None, output: OutputOption = Output.TABLE
) -> None:
    """Your datasets."""
    with connected(base_url, api_key) as client:
        show(client.datasets.list(), output, DATASET_COLUMNS)


@datasets_app.command("get")
def get_dataset(
    dataset_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """One dataset with its column kinds."""
    with connected(base_url, api_key) as client:
        show(client.datasets.get(dataset_id), output, (*DATASET_COLUMNS, "column_schema"))


@datasets_app.command("stats")
def dataset_stats(
    dataset_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Per-column statistics."""
    with connected(base_url, api_key) as client:
        stats = client.datasets.stats(dataset_id)
        columns = ("name", "kind", "nulls", "distinct", "minimum", "maximum", "mean")
        show(stats if output == Output.JSON else stats["columns"], output, columns)


@datasets_app.command("download")
def download_dataset(
    dataset_id: str,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="file; default: stdout")] = None,
    file_format: Annotated[str, typer.Option("--format", help="csv, json, parquet or zip")] = "csv",
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Download a dataset."""
    with connected(base_url, api_key) as client:
        save_download(lambda target: client.datasets.download(dataset_id, target, file_format), out)


@datasets_app.command("delete")
def delete_dataset(dataset_id: str, base_url: BaseUrl = None, api_key: ApiKey = None) -> None:
    """Delete a dataset (refused while a job uses it)."""
    with connected(base_url, api_key) as client:
        client.datasets.delete(dataset_id)


def train(
    dataset: Annotated[str, typer.Option("--dataset", help="dataset id")],
    synthesizer: Annotated[str | None, typer.Option(help="model; default: the default")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="name=value, repeatable")
    ] = None,
    wait: Wait = False,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Create a generator on a dataset and train it (with --wait, until it is trained)."""
    with connected(base_url, api_key) as client:
        generator = client.train(
            dataset, synthesizer, parse_params(param or []), wait=wait, progress_bar=wait
        )
        columns = ("id", "synthesizer", "status", "training_job_id", "training_report")
        show(generator, output, columns)


def generate(
    generator: Annotated[str, typer.Argument(help="generator id")],
    size: Annotated[int, typer.Option(help="rows")] = 1000,
    seed: Annotated[int | None, typer.Option(help="for reproducible rows")] = None,
    condition: Annotated[
        list[str] | None, typer.Option("--condition", help="column=value, repeatable")
    ] = None,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="download the rows here")] = None,
    report: Annotated[bool, typer.Option(help="also judge the rows")] = False,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Generate rows from a trained generator, waiting for the job; -o downloads them (the
    format follows the file's suffix)."""
    file_format = (out.suffix.lstrip(".") if out else "") or "csv"
    if file_format not in ("csv", "json", "parquet", "zip"):
        raise fail(f"-o {out}: use a .csv, .json, .parquet or .zip file", code=2)
    with connected(base_url, api_key) as client:
        made = client.generate(
            generator,
            size,
            seed=seed,
            conditions=parse_params(condition or []) or None,
            file_format=file_format,
            report=report,
            output=out,
            progress_bar=True,
        )
        show(made, output, ("id", "rows", "status", "size_bytes", "report"))


def probe(
    generator: Annotated[str, typer.Argument(help="generator id")],
    rows: Annotated[int, typer.Option(help="at most 1000")] = 10,
    seed: Annotated[int | None, typer.Option()] = None,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """A few rows at once from a trained generator."""
    with connected(base_url, api_key) as client:
        show(client.probe(generator, rows, seed=seed), output)


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
        show(judged, output, ("id", "status", "summary"))


@jobs_app.command("list")
def list_jobs(
    base_url: BaseUrl = None, api_key: ApiKey = None, output: OutputOption = Output.TABLE
) -> None:
    """Your jobs."""
    with connected(base_url, api_key) as client:
        show(client.jobs.list(), output, JOB_COLUMNS)


@jobs_app.command("get")
def get_job(
    job_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """One job."""
    with connected(base_url, api_key) as client:
        show(client.jobs.get(job_id), output, (*JOB_COLUMNS, "error", "result"))


@jobs_app.command("watch")
def watch_job(
    job_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Follow a job with a progress bar until it ends; exits non-zero unless it succeeded."""
    with connected(base_url, api_key) as client:
        show(client.jobs.wait(job_id, progress_bar=True), output, (*JOB_COLUMNS, "result"))


@jobs_app.command("cancel")
def cancel_job(
    job_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Ask a job to stop; its partial files are removed."""
    with connected(base_url, api_key) as client:
        show(client.jobs.cancel(job_id), output, JOB_COLUMNS)


def save_download(download: Callable[[Any], bytes], out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(download(None))
        sys.stdout.flush()
    else:
        download(out)
