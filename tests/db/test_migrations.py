from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from synthfoundry.db import Database, migrate
from synthfoundry.db.models import Base


def _revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def test_every_migration_applies_up_and_down_one_step_at_a_time(database: Database) -> None:
    revisions = _revisions_oldest_first()
    assert revisions, "the package ships no migrations"

    for revision in revisions:
        migrate.upgrade(database, revision)
        assert migrate.current_revision(database) == revision
    for expected in [*reversed(revisions[:-1]), None]:
        migrate.downgrade(database, "-1")
        assert migrate.current_revision(database) == expected

    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}


def test_models_and_migrations_agree(migrated_database: Database) -> None:
    with migrated_database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)

    assert differences == []


def test_upgrade_is_idempotent_and_reports_up_to_date(migrated_database: Database) -> None:
    migrate.upgrade(migrated_database)

    assert migrate.is_up_to_date(migrated_database)
