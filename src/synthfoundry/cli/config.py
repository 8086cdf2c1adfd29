from __future__ import annotations

import json
from typing import Annotated

import typer

from synthfoundry.cli.common import load_settings, stdout

app = typer.Typer(help="Inspect the effective settings.", no_args_is_help=True)


@app.command()
def show(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of a listing.")
    ] = False,
) -> None:
    """Print the effective settings (environment, .env and defaults), secrets masked."""
    view = load_settings().public_view()
    if as_json:
        typer.echo(json.dumps(view, indent=2))
        return
    for key, value in _flatten(view):
        stdout.print(f"[cyan]{key}[/] = {json.dumps(value)}", highlight=False)


def _flatten(view: dict[str, object], prefix: str = "") -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for key, value in view.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows.extend(_flatten(value, f"{name}."))
        else:
            rows.append((name, value))
    return rows
