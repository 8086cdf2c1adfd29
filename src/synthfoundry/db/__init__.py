"""Database access: engine and sessions, the declarative base, migrations."""

from sqlalchemy.orm import Session

from synthfoundry.db.base import Base, RecordBase, new_id, utcnow
from synthfoundry.db.engine import Database, after_commit, after_rollback, normalize_database_url

__all__ = [
    "Base",
    "Database",
    "RecordBase",
    "Session",
    "after_commit",
    "after_rollback",
    "new_id",
    "normalize_database_url",
    "utcnow",
]
