from __future__ import annotations

from typing import Annotated

import typer

from synthfoundry.cli.common import fail, load_settings, stdout

app = typer.Typer(help="Manage users directly in the database.", no_args_is_help=True)


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The admin's e-mail, used to sign in.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "Admin",
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="SYNTHFOUNDRY_ADMIN_PASSWORD",
            help="Asked for when not given.",
        ),
    ] = "",
) -> None:
    """Create an admin user (the first one, or another)."""
    from pydantic import ValidationError

    from synthfoundry import audit
    from synthfoundry.accounts import users
    from synthfoundry.accounts.schemas import UserCreate
    from synthfoundry.db import Database
    from synthfoundry.errors import SynthfoundryError

    settings = load_settings()
    try:
        data = UserCreate(email=email, name=name, password=password, is_admin=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise fail(f"{'.'.join(map(str, first['loc']))}: {first['msg']}", code=2) from None
    database = Database.connect(settings.database_url, settings.database)
    try:
        with database.unit_of_work(write=True) as session:
            user = users.create(session, audit.SYSTEM, data)
        stdout.print(f"created admin {user.email} ({user.id})")
    except SynthfoundryError as exc:
        raise fail(exc.detail) from None
    finally:
        database.dispose()
