"""``synthfoundry reports ...``: quality reports kept on a server (`report` makes them)."""

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
    help="List, inspect, download and delete quality reports (`report` makes them).",
    no_args_is_help=True,
)
COLUMNS = (
    "id",
    "status",
    Column("summary", "fidelity", part("fidelity")),
    Column("summary", "unseen", part("fidelity_vs_holdout")),
    Column("summary", "utility", part("utility")),
    Column("summary", "validity", part("validity")),
    "target",
    "created_at",
)
DETAILS = ("id", "status", "summary", "real_dataset_id", "synthetic_dataset_id", "target")


class ReportFormat(StrEnum):
    HTML = "html"
    JSON = "json"


@app.command("list")
def list_reports(
    limit: Limit = 50,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Your reports, newest first."""
    with connected(base_url, api_key) as client:
        show(newest(client.reports, limit), output, COLUMNS)


@app.command("get")
def get_report(
    report_id: str,
    details: Annotated[
        bool, typer.Option("--details", help="everything it measured, per column and pair")
    ] = False,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """One report: its status and headline scores."""
    with connected(base_url, api_key) as client:
        found = client.reports.details(report_id) if details else client.reports.get(report_id)
        show_details(found, output, DETAILS)


@app.command("download")
def download_report(
    report_id: str,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="file; default: stdout")] = None,
    file_format: Annotated[
        ReportFormat, typer.Option("--format", help="a self-contained HTML page, or JSON")
    ] = ReportFormat.HTML,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Download a report."""
    with connected(base_url, api_key) as client:
        resource = client.reports
        save_download(lambda target: resource.download(report_id, target, file_format.value), out)


@app.command("delete")
def delete_report(report_id: str, base_url: BaseUrl = None, api_key: ApiKey = None) -> None:
    """Delete a report and its files."""
    with connected(base_url, api_key) as client:
        client.reports.delete(report_id)
