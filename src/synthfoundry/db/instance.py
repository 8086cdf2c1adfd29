"""The deployment's identity: one row written by the first migration.

Every API server and worker pointed at the same database reports the same ``instance_id``
in ``/v1/about``, which is how an operator checks that a scaled-out fleet shares one database.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Mapped, Session, mapped_column

from synthfoundry.db.base import RecordBase
from synthfoundry.errors import InvalidState


class Instance(RecordBase):
    __tablename__ = "instance"

    name: Mapped[str] = mapped_column(default="synthfoundry")


def get_instance_id(session: Session) -> uuid.UUID:
    instance_id = session.scalars(select(Instance.id).limit(1)).first()
    if instance_id is None:
        raise InvalidState("the database has no instance row; run `synthfoundry db upgrade`")
    return instance_id
