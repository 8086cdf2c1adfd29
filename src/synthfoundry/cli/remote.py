"""What the commands that talk to a Synthfoundry server share: the server and credential options,
a connected client, and how answers are shown. Data goes to stdout (a table, or JSON with
``--output json``), progress bars and errors to stderr; a failed job exits non-zero.

The client (and httpx under it) is imported when a command connects, not when the CLI starts.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from synthfoundry.cli.common import fail
from synthfoundry.cli.tables import Columns, print_details, print_json, print_table

if TYPE_CHECKING:
    from synthfoundry.client import Client


class Output(StrEnum):
    TABLE = "table"
    JSON = "json"


BaseUrl = Annotated[
    str | None, typer.Option("--base-url", envvar="SYNTHFOUNDRY_BASE_URL", help="server URL")
]
ApiKey = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="SYNTHFOUNDRY_API_KEY",
        help="an API key; default: the login `synthfoundry login` stored",
        show_default=False,
    ),
]
OutputOption = Annotated[Output, typer.Option("--output", "-O", help="table or json")]
Wait = Annotated[bool, typer.Option("--wait/--no-wait", help="wait for the job to finish")]
MAX_PAGE = 200
Limit = Annotated[int, typer.Option("--limit", min=1, help="show at most this many, newest first")]


@contextmanager
def connected(base_url: str | None, api_key: str | None) -> Iterator[Client]:
    """A client whose errors end the command with a readable message and a non-zero exit."""
    import httpx

    from synthfoundry.client import APIError, Client, JobFailed

    try:
        with Client(base_url, api_key) as client:
            yield client
    except JobFailed as failed:
        raise fail(f"job {failed.job['id']} {failed.job['status']}: {failed.detail}") from None
    except APIError as error:
        raise fail(_describe(error)) from None
    except httpx.HTTPError as error:
        raise fail(f"cannot reach the server: {error}") from None


def _describe(error: Any) -> str:
    message = f"{error.status} {error.code}: {error.detail}"
    for field_error in error.errors or []:
        if isinstance(field_error, Mapping) and field_error.get("field"):
            message += f"\n  {field_error['field']}: {field_error.get('message', '')}"
    if error.status == 401 and error.code != "not_signed_in":
        message += "\n  sign in with `synthfoundry login`, or give --api-key"
    return message


def show(value: Any, output: Output, columns: Columns = ()) -> None:
    """A list as a table of ``columns`` (default: every field, in the answer's order), an
    object as a listing of ``columns`` (default: every field); JSON as it came."""
    if output == Output.JSON:
        print_json(value)
    elif isinstance(value, list):
        print_table(value, columns or _fields(value))
    else:
        names = [column if isinstance(column, str) else column.key for column in columns]
        shown = {name: value.get(name) for name in names} if names else value
        print_details(shown)


def show_details(value: Any, output: Output, first: Sequence[str] = ()) -> None:
    """One object with every field (``first`` at the top), or JSON."""
    if output == Output.JSON:
        print_json(value)
    else:
        print_details(value, first)


def _fields(rows: list[Any]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def newest(resource: Any, limit: int, **filters: Any) -> list[Any]:
    """The first ``limit`` objects of a resource's newest-first listing, fetching no page
    beyond them."""
    found: list[Any] = []
    for item in resource.iterate(min(limit, MAX_PAGE), **filters):
        found.append(item)
        if len(found) >= limit:
            break
    return found


def parse_params(pairs: list[str], option: str = "--param") -> dict[str, Any]:
    """``key=value`` pairs; values are JSON where they parse as JSON (numbers, booleans, lists)."""
    params: dict[str, Any] = {}
    for pair in pairs:
        key, separator, raw = pair.partition("=")
        if not separator or not key:
            raise fail(f"{option} {pair!r}: write it as name=value", code=2)
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params


def save_download(download: Callable[[Any], bytes], out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(download(None))
        sys.stdout.flush()
    else:
        download(out)
