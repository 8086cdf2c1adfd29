from __future__ import annotations

import typer

from synthfoundry import __version__
from synthfoundry.cli import audit, config, db, images, remote, users, videos, workflows
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
app.add_typer(remote.datasets_app, name="datasets")
app.add_typer(remote.jobs_app, name="jobs")
app.add_typer(images.app, name="images")
app.add_typer(videos.videos_app, name="videos")
app.add_typer(videos.music_app, name="music-videos")
app.add_typer(videos.flavors_app, name="flavors")
app.add_typer(workflows.app, name="workflows")
app.command()(remote.train)
app.command()(remote.generate)
app.command()(remote.probe)
app.command()(remote.report)


@app.command()
def version() -> None:
    """Print the installed version."""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
