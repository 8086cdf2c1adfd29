"""Where ``synthfoundry login`` keeps a server's sign-in: ``credentials.json`` in the user's
configuration folder, readable by its owner alone (0600, in a 0700 folder).

The folder is ``$SYNTHFOUNDRY_CONFIG_DIR`` when set, else ``$XDG_CONFIG_HOME/synthfoundry``, else
``%APPDATA%\\synthfoundry`` on Windows and ``~/.config/synthfoundry`` elsewhere. One file holds a
login per server URL. Every change rewrites the file whole through a new 0600 file and a rename,
and changes are serialised by a lock file: a refresh token works once, so two commands must not
refresh the same one.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypedDict, TypeGuard

CONFIG_DIR_ENV = "SYNTHFOUNDRY_CONFIG_DIR"
FILE_NAME = "credentials.json"
FORMAT_VERSION = 1


class StoredLogin(TypedDict):
    email: str
    refresh_token: str
    access_token: str
    access_expires_at: float
    """Seconds since the epoch."""


def config_dir() -> Path:
    """The user's Synthfoundry configuration folder (not created here)."""
    if override := os.environ.get(CONFIG_DIR_ENV):
        return Path(override).expanduser()
    if xdg := os.environ.get("XDG_CONFIG_HOME"):
        return Path(xdg).expanduser() / "synthfoundry"
    if sys.platform == "win32" and (appdata := os.environ.get("APPDATA")):
        return Path(appdata) / "synthfoundry"
    return Path.home() / ".config" / "synthfoundry"


class CredentialStore:
    """The logins of ``credentials.json``, by server URL."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / FILE_NAME

    def get(self, base_url: str) -> StoredLogin | None:
        found = self._read().get(_server(base_url))
        return found if _is_login(found) else None

    def put(self, base_url: str, login: StoredLogin) -> None:
        servers = self._read()
        servers[_server(base_url)] = dict(login)
        self._write(servers)

    def remove(self, base_url: str) -> StoredLogin | None:
        servers = self._read()
        removed = servers.pop(_server(base_url), None)
        if removed is not None:
            self._write(servers)
        return removed if _is_login(removed) else None

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's lock (between processes too) for a read-change-write."""
        self._make_folder()
        lock_path = self.path.with_name(self.path.name + ".lock")
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if sys.platform != "win32":
                import fcntl

                fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # closing releases the lock

    def _read(self) -> dict[str, Any]:
        try:
            content = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError:
            return {}  # a damaged file is a signed-out user; the next login rewrites it
        servers = content.get("servers") if isinstance(content, dict) else None
        return dict(servers) if isinstance(servers, dict) else {}

    def _write(self, servers: dict[str, Any]) -> None:
        self._make_folder()
        content = json.dumps({"version": FORMAT_VERSION, "servers": servers}, indent=2)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.{time.monotonic_ns()}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as sink:
                sink.write(content)
            os.replace(partial, self.path)
        finally:
            partial.unlink(missing_ok=True)

    def _make_folder(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)


def _server(base_url: str) -> str:
    return base_url.rstrip("/")


def _is_login(value: object) -> TypeGuard[StoredLogin]:
    return isinstance(value, dict) and isinstance(value.get("refresh_token"), str)
