from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from synthfoundry.db.models import Base
from synthfoundry.db.types import UTCDateTime


def _render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write our own column types as importable names in generated migrations."""
    if kind == "type" and isinstance(item, UTCDateTime):
        autogen_context.imports.add("from synthfoundry.db.types import UTCDateTime")
        return "UTCDateTime()"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
        # The engine issues BEGIN itself on SQLite too (see db/engine.py), so DDL is transactional.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through synthfoundry.db.migrate (`synthfoundry db ...`)")
_run(connection)
