"""``synthfoundry login``, ``logout``, ``whoami`` and ``keys ...``: signing in to a server and
the API keys that scripts use instead."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from synthfoundry.cli.common import fail, stderr, stdout
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
from synthfoundry.cli.tables import Column, print_json

keys_app = typer.Typer(
    help="Create, list and revoke API keys (for scripts and CI; people use `login`).",
    no_args_is_help=True,
)
USER_FIELDS = ("email", "name", "is_admin", "id")
KEY_COLUMNS = (
    "id",
    "name",
    Column("scopes", max_width=80),
    "created_at",
    "expires_at",
    "last_used_at",
    "revoked_at",
)
SCOPES_HELP = (
    "resource:read or resource:write (write includes read), repeatable. Resources: datasets, "
    "generators, synthetic-datasets, reports, jobs, image-datasets, videos, workflows, "
    "api-keys, users"
)


def login(
    email: Annotated[str | None, typer.Option(help="asked for when not given")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin (scripts)")
    ] = False,
    base_url: BaseUrl = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Sign in to a server with your e-mail and password.

    The login (a refresh token) is kept in your configuration folder, readable by you alone,
    and later commands use it when they are given no API key."""
    address = email or typer.prompt("E-mail")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True)
    if not password:
        raise fail("no password given", code=2)
    with connected(base_url, None) as client:
        user = client.login(address, password)
        stderr.print(
            f"signed in to {client.base_url} as {user.get('email', address)}; "
            f"login stored in {client.credentials.path}",
            highlight=False,
            soft_wrap=True,
        )
    show(user, output, USER_FIELDS)


def logout(base_url: BaseUrl = None) -> None:
    """End the stored login's session on the server and forget it here."""
    with connected(base_url, None) as client:
        ended = client.logout()
        server = client.base_url
    stderr.print(f"signed out of {server}" if ended else f"no login is stored for {server}")


def whoami(
    base_url: BaseUrl = None, api_key: ApiKey = None, output: OutputOption = Output.TABLE
) -> None:
    """The user your credential signs in as, and which credential that is."""
    with connected(base_url, api_key) as client:
        user = client.whoami()
        how = {"api_key": "API key", "login": "stored login"}.get(client.credential or "", "none")
        server = client.base_url
    if output == Output.JSON:
        print_json({"server": server, "credential": client.credential, "user": user})
        return
    shown = {key: user.get(key) for key in USER_FIELDS} | {"server": server, "credential": how}
    show_details(shown, output)


@keys_app.command("create")
def create_key(
    scope: Annotated[list[str], typer.Option("--scope", help=SCOPES_HELP)],
    name: Annotated[str, typer.Option(help="to tell your keys apart")] = "synthfoundry CLI",
    expires_in_days: Annotated[
        int | None, typer.Option("--expires-in-days", min=1, help="default: never")
    ] = None,
    secret_only: Annotated[
        bool, typer.Option("--secret-only", help="print the secret alone (for scripts)")
    ] = False,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Create an API key with some of your scopes. Its secret is shown this once."""
    expires = datetime.now(UTC) + timedelta(days=expires_in_days) if expires_in_days else None
    with connected(base_url, api_key) as client:
        created = client.api_keys.create(scope, name, expires_at=expires)
    if secret_only:
        typer.echo(created["secret"])
        return
    if output == Output.JSON:
        print_json(created)
        return
    show_details(created, output, ("secret", "id", "name", "scopes", "expires_at"))
    stderr.print("[bold]The secret is shown this once[/]: store it now (SYNTHFOUNDRY_API_KEY).")


@keys_app.command("list")
def list_keys(
    limit: Limit = 50,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Your API keys, newest first (their secrets are never shown again)."""
    with connected(base_url, api_key) as client:
        show(newest(client.api_keys, limit), output, KEY_COLUMNS)


@keys_app.command("revoke")
def revoke_key(api_key_id: str, base_url: BaseUrl = None, api_key: ApiKey = None) -> None:
    """Revoke a key: it stops working at once."""
    with connected(base_url, api_key) as client:
        client.api_keys.revoke(api_key_id)
    stdout.print(f"revoked {api_key_id}", highlight=False)
