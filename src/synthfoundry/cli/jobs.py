"""``synthfoundry jobs ...``: the server's background work."""

from __future__ import annotations

from enum import StrEnum
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
    show,
    show_details,
)
from synthfoundry.cli.tables import Column, percent

app = typer.Typer(help="List, watch, pause, resume and cancel jobs.", no_args_is_help=True)
COLUMNS = ("id", "kind", "status", Column("progress", format=percent), "created_at")
DETAILS = ("id", "kind", "status", "progress", "error", "result")


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSING = "pausing"
    PAUSED = "paused"
    CANCELLING = "cancelling"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@app.command("list")
def list_jobs(
    status: Annotated[JobStatus | None, typer.Option(help="only jobs in this status")] = None,
    kind: Annotated[str | None, typer.Option(help="only this kind, e.g. generators.train")] = None,
    limit: Limit = 50,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Your jobs, newest first."""
    with connected(base_url, api_key) as client:
        found = newest(client.jobs, limit, status=status.value if status else None, kind=kind)
        show(found, output, COLUMNS)


@app.command("get")
def get_job(
    job_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """One job: its stages, progress, result or error."""
    with connected(base_url, api_key) as client:
        show_details(client.jobs.get(job_id), output, DETAILS)


@app.command("watch")
def watch_job(
    job_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Follow a job with a progress bar until it ends; exits non-zero unless it succeeded."""
    with connected(base_url, api_key) as client:
        show_details(client.jobs.wait(job_id, progress_bar=True), output, DETAILS)


@app.command("cancel")
def cancel_job(
    job_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Ask a job to stop; its partial files are removed."""
    with connected(base_url, api_key) as client:
        show(client.jobs.cancel(job_id), output, COLUMNS)


@app.command("pause")
def pause_job(
    job_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Pause a job at its next checkpoint; `resume` goes on from there."""
    with connected(base_url, api_key) as client:
        show(client.jobs.pause(job_id), output, COLUMNS)


@app.command("resume")
def resume_job(
    job_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Queue a paused job again, to go on from its checkpoint."""
    with connected(base_url, api_key) as client:
        show(client.jobs.resume(job_id), output, COLUMNS)
