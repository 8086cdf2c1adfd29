from __future__ import annotations

from typing import Annotated

import typer

from synthfoundry.cli.common import load_settings, stdout

app = typer.Typer(help="The audit log.", no_args_is_help=True)


@app.command()
def prune(
    retention_days: Annotated[
        int | None, typer.Option(min=1, help="Keep this many days (default from settings).")
    ] = None,
) -> None:
    """Delete audit events older than the retention period (the API also does this hourly)."""
    from synthfoundry.audit.service import prune as prune_events
    from synthfoundry.db import Database

    settings = load_settings()
    days = retention_days or settings.audit.retention_days
    database = Database.connect(settings.database_url, settings.database)
    try:
        with database.unit_of_work() as session:
            removed = prune_events(session, days)
        stdout.print(f"removed {removed} audit events older than {days} days")
    finally:
        database.dispose()
