from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from synthfoundry.config import DatabaseSettings
from synthfoundry.errors import ConfigurationError, ServiceUnavailable
from synthfoundry.logging import get_logger

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
logger = get_logger("synthfoundry.db")
_AFTER_COMMIT = "synthfoundry.after_commit"
_AFTER_ROLLBACK = "synthfoundry.after_rollback"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once ``session``'s unit of work has committed (never if it rolls back)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def after_rollback(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` if ``session``'s unit of work rolls back (never if it commits): undo a
    side effect outside the database, such as a file written during the transaction."""
    session.info.setdefault(_AFTER_ROLLBACK, []).append(callback)


def _undo(info: dict[str, object]) -> None:
    callbacks = info.pop(_AFTER_ROLLBACK, [])
    assert isinstance(callbacks, list)
    for callback in callbacks:
        try:
            callback()
        except Exception as exc:  # the original error matters more than a failed clean-up
            logger.warning("clean-up after a rollback failed", error=repr(exc))


_SQLITE_UNAVAILABLE_MESSAGES = ("database is locked", "database is busy", "unable to open")


def is_unavailable(exc: DBAPIError, backend: str) -> bool:
    """Whether ``exc`` means the database cannot serve right now (retry later), as opposed to
    a fault in the statement itself."""
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    if backend == "postgresql":
        return True  # psycopg raises OperationalError for refused, lost and shut-down servers
    return any(message in str(exc.orig) for message in _SQLITE_UNAVAILABLE_MESSAGES)


def normalize_database_url(raw_url: str) -> URL:
    """Parse a database URL; plain ``postgresql://`` and ``postgres://`` mean psycopg 3."""
    try:
        url = make_url(raw_url.replace("postgres://", "postgresql://", 1))
    except ArgumentError as exc:
        raise ConfigurationError(f"database URL is not valid: {exc}") from None
    backend = url.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise ConfigurationError(
            f"database backend {backend!r} is not supported; use one of {SUPPORTED_BACKENDS}"
        )
    if backend == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def _create_sqlite_engine(url: URL, settings: DatabaseSettings) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        echo=settings.echo,
        connect_args={
            "timeout": settings.sqlite_busy_timeout_ms / 1000,
            "check_same_thread": False,
        },
    )
    busy_timeout = settings.sqlite_busy_timeout_ms

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN and cannot express BEGIN IMMEDIATE;
        # turn it off and let the "begin" listener below issue BEGIN (SQLAlchemy's recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _create_postgresql_engine(url: URL, settings: DatabaseSettings) -> Engine:
    return create_engine(
        url,
        echo=settings.echo,
        pool_size=settings.pool_size,
        pool_pre_ping=True,
        connect_args={"connect_timeout": max(1, round(settings.connect_timeout_seconds))},
    )


@dataclass
class Database:
    """An engine and its session factory; one per process."""

    engine: Engine
    sessions: sessionmaker[Session]

    @classmethod
    def connect(cls, raw_url: str, settings: DatabaseSettings | None = None) -> Database:
        settings = settings or DatabaseSettings()
        url = normalize_database_url(raw_url)
        if url.get_backend_name() == "sqlite":
            engine = _create_sqlite_engine(url, settings)
        else:
            engine = _create_postgresql_engine(url, settings)
        return cls(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self, *, write: bool = False) -> Iterator[Session]:
        """A session whose transaction commits when the block ends and rolls back on error.

        ``write=True`` takes SQLite's write lock at the start (BEGIN IMMEDIATE): a transaction
        that reads, then writes what it read, must not lose a race to another writer in between
        (on PostgreSQL, such code locks its rows with ``with_for_update``). Callables queued with
        ``after_commit`` run once the transaction has committed. An outage (server down,
        connection lost, SQLite locked past its busy timeout) comes out as
        ``ServiceUnavailable``, which the API answers with 503 rather than 500.
        """
        info: dict[str, object] = {}
        try:
            with self.sessions.begin() as session:
                info = session.info
                if write and self.backend == "sqlite":
                    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                yield session
        except DBAPIError as exc:
            _undo(info)
            if is_unavailable(exc, self.backend):
                raise ServiceUnavailable("the database is unavailable; try again shortly") from exc
            raise
        except BaseException:
            _undo(info)
            raise
        info.pop(_AFTER_ROLLBACK, None)
        for callback in session.info.pop(_AFTER_COMMIT, []):
            callback()

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
