from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from synthfoundry.cli.common import fail, load_settings, stderr

if TYPE_CHECKING:
    from synthfoundry.config import Settings


def _check_database(settings: Settings) -> None:
    from synthfoundry.db import Database, migrate
    from synthfoundry.errors import SynthfoundryError

    database = Database.connect(settings.database_url, settings.database)
    try:
        migrate.ensure_up_to_date(database)
    except SynthfoundryError:
        raise
    except Exception as exc:
        stderr.print(
            f"[yellow]warning:[/] database unreachable ({type(exc).__name__}); "
            "starting anyway, /readyz will report it"
        )
    finally:
        database.dispose()


def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default from settings).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind (default from settings).")] = None,
) -> None:
    """Run the API server."""
    import uvicorn

    from synthfoundry.api import create_app
    from synthfoundry.errors import SynthfoundryError

    settings = load_settings()
    bind_host = host or settings.server.host
    bind_port = port or settings.server.port
    try:
        _check_database(settings)
        app = create_app(settings)
    except SynthfoundryError as exc:
        raise fail(exc.detail) from None
    base = f"http://{bind_host}:{bind_port}"
    stderr.print(f"Synthfoundry API on [bold]{base}[/] - docs at [bold]{base}/docs[/]")
    uvicorn.run(app, host=bind_host, port=bind_port, log_config=None, proxy_headers=True)
