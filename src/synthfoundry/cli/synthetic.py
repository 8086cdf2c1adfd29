"""``synthfoundry synthetic-datasets ...``: generated rows kept on a server."""

from __future__ import annotations

from enum import StrEnum
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
from synthfoundry.cli.tables import Column, part

app = typer.Typer(
    help="List, inspect, download and delete synthetic datasets (`generate` makes them).",
    no_args_is_help=True,
)
COLUMNS = (
    "id",
    "name",
    "status",
    "rows",
    Column("file_format", "format"),
    Column("report", "fidelity", part("fidelity")),
    "created_at",
)
DETAILS = ("id", "name", "status", "generator_id", "rows", "size", "seed", "file_format")


class DownloadFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    PARQUET = "parquet"
    ZIP = "zip"


@app.command("list")
def list_synthetic(
    limit: Limit = 50,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Your synthetic datasets, newest first."""
    with connected(base_url, api_key) as client:
        show(newest(client.synthetic_datasets, limit), output, COLUMNS)


@app.command("get")
def get_synthetic(
    synthetic_dataset_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """One synthetic dataset: its request, status, size and quality report."""
    with connected(base_url, api_key) as client:
        show_details(client.synthetic_datasets.get(synthetic_dataset_id), output, DETAILS)


@app.command("download")
def download_synthetic(
    synthetic_dataset_id: str,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="file; default: stdout")] = None,
    file_format: Annotated[
        DownloadFormat | None,
        typer.Option("--format", help="default: -o's suffix, else the format asked at creation"),
    ] = None,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Download the rows."""
    chosen = file_format.value if file_format else None
    with connected(base_url, api_key) as client:
        resource = client.synthetic_datasets
        save_download(lambda target: resource.download(synthetic_dataset_id, target, chosen), out)


@app.command("delete")
def delete_synthetic(
    synthetic_dataset_id: str, base_url: BaseUrl = None, api_key: ApiKey = None
) -> None:
    """Delete a synthetic dataset and its file."""
    with connected(base_url, api_key) as client:
        client.synthetic_datasets.delete(synthetic_dataset_id)
