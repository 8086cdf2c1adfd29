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


def get_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    """The request's unit of work: services flush, the request commits (or rolls back)."""
    with database.unit_of_work() as session:
        yield session


def get_write_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    """A unit of work that changes rows it reads (on SQLite it takes the write lock first)."""
    with database.unit_of_work(write=True) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
WriteSessionDep = Annotated[Session, Depends(get_write_session)]
DatabaseDep = Annotated[Database, Depends(get_database)]
StorageDep = Annotated[BlobStore, Depends(get_storage)]
SessionDep = Annotated[Session, Depends(get_session)]
