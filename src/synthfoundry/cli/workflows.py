"""``synthfoundry workflows ...``: workflow configurations and runs, through the client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from synthfoundry.cli.common import fail
from synthfoundry.cli.remote import (
    ApiKey,
    BaseUrl,
    Output,
    OutputOption,
    Wait,
    connected,
    show,
)

app = typer.Typer(
    help="Workflows: saved configurations of train, generate, evaluate, test and export steps, "
    "run as one pausable job.",
    no_args_is_help=True,
)
COLUMNS = ("id", "name", "status", "progress", "current_stage", "message", "cost_usd")
STEPS = ("name", "type", "status", "progress", "job_id", "compute_seconds")
ConfigFile = Annotated[Path, typer.Argument(help="a configuration as YAML or JSON")]


def _file(path: Path) -> Any:
    from synthfoundry.client.workflows import load_config

    try:
        return load_config(path)
    except (OSError, ValueError) as exc:
        raise fail(f"{path}: {exc}", code=2) from None


@app.command("validate")
def validate(
    file: ConfigFile,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Check a configuration: every problem with its JSON pointer; exit 1 if any."""
    config = _file(file)
    with connected(base_url, api_key) as client:
        result = client.workflows.configs.validate(config)
    if output == Output.JSON:
        typer.echo(json.dumps(result, indent=2))
    elif result["valid"]:
        typer.echo(f"{file}: valid")
    for problem in result["problems"]:
        typer.echo(f"{file}: {problem['path'] or '/'}: {problem['message']}", err=True)
    if not result["valid"]:
        raise typer.Exit(1)


@app.command("save")
def save(
    file: ConfigFile,
    config_id: Annotated[str | None, typer.Option("--id", help="a new version of this")] = None,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Save a configuration (or, with --id, a new version of a saved one)."""
    config = _file(file)
    with connected(base_url, api_key) as client:
        configs = client.workflows.configs
        saved = configs.update(config_id, config) if config_id else configs.create(config)
    show(saved, output, ("id", "name", "version", "runs"))


@app.command("configs")
def list_configs(
    base_url: BaseUrl = None, api_key: ApiKey = None, output: OutputOption = Output.TABLE
) -> None:
    """Your saved configurations."""
    with connected(base_url, api_key) as client:
        found = client.workflows.configs.list()
    show(found, output, ("id", "name", "version", "runs", "average_cost_usd"))


@app.command("run")
def run(
    file: Annotated[Path | None, typer.Argument(help="an inline configuration file")] = None,
    config_id: Annotated[str | None, typer.Option("--config", help="a saved configuration")] = None,
    version: Annotated[int | None, typer.Option(help="of the saved configuration")] = None,
    keep_outputs: Annotated[bool, typer.Option(help="keep what an abort would remove")] = False,
    wait: Wait = False,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Start a run (with --wait, follow it with a progress bar)."""
    if (file is None) == (config_id is None):
        raise fail("give a configuration file or --config ID", code=2)
    config = _file(file) if file is not None else None
    with connected(base_url, api_key) as client:
        started = client.workflows.run(
            config,
            config_id=config_id,
            version=version,
            keep_outputs=keep_outputs,
            wait=wait,
            progress_bar=wait,
        )
    show(started, output, COLUMNS)


@app.command("list")
def list_runs(
    status: Annotated[str | None, typer.Option(help="only runs in this status")] = None,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Your runs, newest first."""
    with connected(base_url, api_key) as client:
        show(client.workflows.list(status=status), output, COLUMNS)


@app.command("get")
def get(
    workflow_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """A run with its steps."""
    with connected(base_url, api_key) as client:
        found = client.workflows.get(workflow_id)
    if output == Output.JSON:
        show(found, output)
        return
    show(found, output, COLUMNS)
    show(found["steps"], output, STEPS)


def _action(name: str, summary: str) -> None:
    def act(
        workflow_id: str,
        base_url: BaseUrl = None,
        api_key: ApiKey = None,
        output: OutputOption = Output.TABLE,
    ) -> None:
        with connected(base_url, api_key) as client:
            show(getattr(client.workflows, name)(workflow_id), output, ("id", "status", "message"))

    act.__doc__ = summary
    app.command(name)(act)


_action("pause", "Pause: the running step checkpoints.")
_action("resume", "Resume where the run was.")
_action("abort", "Abort: the running step is cancelled; what the run made is removed.")


@app.command("results")
def results(
    workflow_id: str,
    samples: Annotated[int, typer.Option(help="rows to show")] = 5,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Test results, quality summary and sample rows."""
    with connected(base_url, api_key) as client:
        checks = client.workflows.test_results(workflow_id)
        rows = client.workflows.samples(workflow_id, samples)
    if output == Output.JSON:
        typer.echo(json.dumps({"test_results": checks, "samples": rows}, indent=2, default=str))
        return
    show(checks, output, ("name", "measured", "threshold", "passed"))
    show(rows["rows"], output, tuple(rows["columns"]))


@app.command("export")
def export(
    workflow_id: str,
    file_format: Annotated[str, typer.Option("--format", help="csv, json or parquet")] = "csv",
    destination: Annotated[str | None, typer.Option(help="a storage prefix")] = None,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="download it here")] = None,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Export the generated rows (to a storage prefix, or download with -o)."""
    with connected(base_url, api_key) as client:
        written = client.workflows.export(
            workflow_id, file_format=file_format, destination=destination, output=out
        )
    show(written, output, ("key", "format", "size_bytes"))
