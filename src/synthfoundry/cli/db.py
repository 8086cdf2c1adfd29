from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from synthfoundry.cli.common import fail, load_settings, stdout

if TYPE_CHECKING:
    from synthfoundry.db import Database

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


def _database() -> Database:
    from synthfoundry.db import Database
    from synthfoundry.errors import SynthfoundryError

    settings = load_settings()
    try:
        return Database.connect(settings.database_url, settings.database)
    except SynthfoundryError as exc:
        raise fail(exc.detail) from None


@app.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from synthfoundry.db import migrate

    database = _database()
    try:
        migrate.upgrade(database, revision)
        stdout.print(f"database at revision {migrate.current_revision(database)}")
    finally:
        database.dispose()


@app.command()
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, or 'base' for empty.")],
) -> None:
    """Revert migrations down to REVISION."""
    from synthfoundry.db import migrate

    database = _database()
    try:
        migrate.downgrade(database, revision)
        stdout.print(f"database at revision {migrate.current_revision(database) or 'base'}")
    finally:
        database.dispose()


@app.command()
def current() -> None:
    """Print the database's revision and whether it is the newest."""
    from synthfoundry.db import migrate

    database = _database()
    try:
        revision = migrate.current_revision(database)
        head = migrate.head_revision()
        state = "up to date" if revision == head else f"behind (newest is {head})"
        stdout.print(f"{revision or 'base'} ({state})")
    finally:
        database.dispose()
