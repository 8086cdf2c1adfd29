"""``synthfoundry generators ...``: trained models on a server; export and import move one
between the server and the library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synthfoundry.cli.common import stderr
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
from synthfoundry.cli.tables import Column, part

app = typer.Typer(
    help="List, inspect, rename, delete, export and import generators.", no_args_is_help=True
)
COLUMNS = (  # by what a reader needs first: narrow terminals keep the leading ones
    "id",
    "name",
    "status",
    Column("training_report", "fidelity", part("fidelity")),
    "synthesizer",
    "trained_rows",
    "trained_at",
)
DETAILS = ("id", "name", "synthesizer", "status", "dataset_id", "trained_rows", "trained_at")


@app.command("list")
def list_generators(
    limit: Limit = 50,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Your generators, newest first."""
    with connected(base_url, api_key) as client:
        show(newest(client.generators, limit), output, COLUMNS)


@app.command("get")
def get_generator(
    generator_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """One generator: its model, parameters, status and training report."""
    with connected(base_url, api_key) as client:
        show_details(client.generators.get(generator_id), output, DETAILS)


@app.command("rename")
def rename_generator(
    generator_id: str,
    name: Annotated[str, typer.Argument(help="the new name")],
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Give a generator a new name."""
    with connected(base_url, api_key) as client:
        show(client.generators.rename(generator_id, name), output, ("id", "name"))


@app.command("delete")
def delete_generator(generator_id: str, base_url: BaseUrl = None, api_key: ApiKey = None) -> None:
    """Delete a generator and its model (refused while a job uses it)."""
    with connected(base_url, api_key) as client:
        client.generators.delete(generator_id)


@app.command("export")
def export_generator(
    generator_id: str,
    destination: Annotated[
        Path, typer.Argument(help="a folder for the model files, or a .zip file")
    ],
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Download a trained model, to use with the library or to import elsewhere.

    A folder gets the files that `synthfoundry.load_synthesizer` reads (JSON and NumPy arrays
    with checksums, no pickle); a path ending in .zip gets the archive."""
    with connected(base_url, api_key) as client:
        written = client.generators.export(generator_id, destination)
    stderr.print(f"model written to {written}", highlight=False)


@app.command("import")
def import_generator(
    source: Annotated[
        Path,
        typer.Argument(exists=True, help="a folder a synthesizer's save wrote, or an exported ZIP"),
    ],
    name: Annotated[str | None, typer.Option(help="the generator's name")] = None,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Upload a trained model as a new generator, ready to generate.

    The server checks the model's checksums and that it loads before keeping it."""
    with connected(base_url, api_key) as client:
        show(client.generators.import_(source, name=name), output, DETAILS)
