from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from synthfoundry.db.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # The engine issues BEGIN itself on SQLite too (see db/engine.py), so DDL is transactional.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through synthfoundry.db.migrate (`synthfoundry db ...`)")
_run(connection)
