"""``synthfoundry datasets ...``: tables on a server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synthfoundry.cli.remote import (
    ApiKey,
    BaseUrl,
    Limit,
    Output,
    OutputOption,
    connected,
    newest,
    save_download,
    show,
    show_details,
)

app = typer.Typer(help="Upload, list, inspect and download datasets.", no_args_is_help=True)
COLUMNS = ("id", "name", "status", "rows", "columns", "source_format", "created_at")


@app.command("upload")
def upload(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="wait until a large file is parsed")
    ] = False,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Upload a CSV, TSV, Parquet, JSON or JSON Lines file (optionally .gz).

    A large file is parsed by a job (the dataset is `ingesting` until then); --wait waits for
    it."""
    with connected(base_url, api_key) as client:
        dataset = client.datasets.upload(file, name=name, wait=wait, progress_bar=wait)
        show_details(dataset, output, COLUMNS)


@app.command("list")
def list_datasets(
    limit: Limit = 50,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Your datasets, newest first."""
    with connected(base_url, api_key) as client:
        show(newest(client.datasets, limit), output, COLUMNS)


@app.command("get")
def get_dataset(
    dataset_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """One dataset with its column kinds."""
    with connected(base_url, api_key) as client:
        show_details(client.datasets.get(dataset_id), output, COLUMNS)


@app.command("stats")
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


@app.command("preview")
def preview_dataset(
    dataset_id: str,
    rows: Annotated[int, typer.Option(min=1, help="rows")] = 10,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """The first rows, columns in the table's order."""
    with connected(base_url, api_key) as client:
        found = client.datasets.preview(dataset_id, rows)
        show(found["rows"], output, found["columns"])


@app.command("download")
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


@app.command("delete")
def delete_dataset(dataset_id: str, base_url: BaseUrl = None, api_key: ApiKey = None) -> None:
    """Delete a dataset (refused while a job uses it)."""
    with connected(base_url, api_key) as client:
        client.datasets.delete(dataset_id)
