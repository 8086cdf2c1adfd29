from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from synthfoundry.db import Database, new_id, normalize_database_url
from synthfoundry.db.engine import is_unavailable
from synthfoundry.db.instance import Instance, get_instance_id
from synthfoundry.errors import ConfigurationError, ServiceUnavailable


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    database = Database.connect(f"sqlite:///{tmp_path / 'nested' / 'a.db'}")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    database.dispose()


@pytest.mark.parametrize(
    ("raw", "driver"),
    [
        ("postgresql://u@h/d", "postgresql+psycopg"),
        ("postgres://u@h/d", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_database_urls_are_normalised_to_supported_drivers(raw: str, driver: str) -> None:
    assert normalize_database_url(raw).drivername == driver


def test_unsupported_database_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="'mysql' is not supported"):
        normalize_database_url("mysql://u@h/d")


def test_rows_get_time_ordered_uuid7_ids_and_utc_timestamps(migrated_database: Database) -> None:
    with migrated_database.unit_of_work() as session:
        first = Instance(name="a")
        session.add(first)
        session.flush()
        second = Instance(
            name="b", created_at=datetime(2030, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
        )
        session.add(second)
    with migrated_database.unit_of_work() as session:
        rows = {row.name: row for row in session.scalars(select(Instance))}

    assert rows["a"].id.version == 7
    assert rows["a"].id < rows["b"].id
    assert rows["a"].created_at.tzinfo == UTC
    assert rows["b"].created_at == datetime(2030, 1, 1, 10, tzinfo=UTC)


def test_new_ids_are_unique_and_sorted_by_creation() -> None:
    ids = [new_id() for _ in range(2000)]

    assert len(set(ids)) == len(ids)
    assert all(identifier.variant == "specified in RFC 4122" for identifier in ids)
    assert ids == sorted(ids)  # strictly increasing within a process, also within a millisecond


def test_naive_datetimes_are_refused(migrated_database: Database) -> None:
    with (
        pytest.raises(Exception, match="naive datetimes"),
        migrated_database.unit_of_work() as session,
    ):
        session.add(Instance(name="naive", created_at=datetime(2030, 1, 1)))


def test_unit_of_work_rolls_back_on_error(migrated_database: Database) -> None:
    with pytest.raises(RuntimeError), migrated_database.unit_of_work() as session:
        session.add(Instance(name="doomed"))
        session.flush()
        raise RuntimeError

    with migrated_database.unit_of_work() as session:
        assert session.scalars(select(Instance).where(Instance.name == "doomed")).first() is None


def test_first_migration_records_one_instance_id(migrated_database: Database) -> None:
    with migrated_database.unit_of_work() as session:
        assert get_instance_id(session).version == 7


def test_sqlite_lock_is_unavailability_but_a_bad_statement_is_not() -> None:
    locked = OperationalError("stmt", {}, sqlite3.OperationalError("database is locked"))
    missing = OperationalError("stmt", {}, sqlite3.OperationalError("no such table: x"))

    assert is_unavailable(locked, "sqlite")
    assert not is_unavailable(missing, "sqlite")


def test_unreachable_postgres_raises_service_unavailable() -> None:
    from tests.support.postgres import free_port

    database = Database.connect(f"postgresql://nobody@127.0.0.1:{free_port()}/none")
    with pytest.raises(ServiceUnavailable), database.unit_of_work() as session:
        session.execute(text("SELECT 1"))
    database.dispose()
