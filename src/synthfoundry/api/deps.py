"""Dependencies that route functions declare in their signatures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from synthfoundry.api.state import AppState
from synthfoundry.config import Settings
from synthfoundry.db import Database, Session
from synthfoundry.storage import BlobStore


def get_app_state(request: Request) -> AppState:
    state: AppState = request.app.state.synthfoundry
    return state


AppStateDep = Annotated[AppState, Depends(get_app_state)]


def get_settings(state: AppStateDep) -> Settings:
    return state.settings


def get_database(state: AppStateDep) -> Database:
    return state.database


def get_storage(state: AppStateDep) -> BlobStore:
    return state.storage


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(
    request: Request, database: Annotated[Database, Depends(get_database)]
) -> Iterator[Session]:
    """The request's unit of work: services flush, the request commits (or rolls back).

    A request that may write takes SQLite's write lock when it begins: SQLite cannot turn a
    reading transaction into a writing one once another writer has committed in between.
    """
    with database.unit_of_work(write=request.method not in SAFE_METHODS) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]

DatabaseDep = Annotated[Database, Depends(get_database)]
StorageDep = Annotated[BlobStore, Depends(get_storage)]
# "function" scope: the transaction commits before the response is sent, so that a client who
# reads what it was just told exists finds it (and a failed commit still answers as an error).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
