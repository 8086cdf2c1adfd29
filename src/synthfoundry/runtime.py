"""The settings and blob store of this process, set once where the process starts (the API app,
a job's process, a worker) and read by services, so that their signatures carry only the session,
the actor and their own arguments."""

from __future__ import annotations

from dataclasses import dataclass

from synthfoundry.config import Settings
from synthfoundry.storage import BlobStore


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    storage: BlobStore


_current: Runtime | None = None


def configure(settings: Settings, storage: BlobStore) -> Runtime:
    global _current
    _current = Runtime(settings, storage)
    return _current


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("synthfoundry.runtime.configure() was not called in this process")
    return _current


def settings() -> Settings:
    return current().settings


def storage() -> BlobStore:
    return current().storage
