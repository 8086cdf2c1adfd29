"""The ``synthfoundry`` command. Every module it imports is light: each command imports what
it needs (the server, the database, pandas, the client) when it runs, so that ``--help`` and
the commands that only talk to a server start at once."""

from __future__ import annotations

import typer

from synthfoundry import __version__
from synthfoundry.cli import (
    accounts,
    audit,
    config,
    datasets,
    db,
    generators,
    images,
    jobs,
    reports,
    synthetic,
    tabular,
    users,
    videos,
    workflows,
)
from synthfoundry.cli.evaluate import evaluate
from synthfoundry.cli.serve import serve
from synthfoundry.cli.worker import worker

app = typer.Typer(
    name="synthfoundry",
    help="Synthfoundry: synthetic tabular data, image datasets and product videos.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.command()(serve)
app.command()(worker)
app.command()(evaluate)
app.add_typer(db.app, name="db")
app.add_typer(config.app, name="config")
app.add_typer(users.app, name="users")
app.add_typer(audit.app, name="audit")
# Against a running server, through the Python client:
app.command()(accounts.login)
app.command()(accounts.logout)
app.command()(accounts.whoami)
app.add_typer(accounts.keys_app, name="keys")
app.add_typer(datasets.app, name="datasets")
app.add_typer(generators.app, name="generators")
app.add_typer(synthetic.app, name="synthetic-datasets")
app.add_typer(reports.app, name="reports")
app.add_typer(jobs.app, name="jobs")
app.command()(tabular.train)
app.command()(tabular.generate)
app.command()(tabular.probe)
app.command()(tabular.report)
app.add_typer(images.app, name="images")
app.add_typer(videos.videos_app, name="videos")
app.add_typer(videos.music_app, name="music-videos")
app.add_typer(videos.flavors_app, name="flavors")
app.add_typer(workflows.app, name="workflows")


@app.command()
def version() -> None:
    """Print the installed version."""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
