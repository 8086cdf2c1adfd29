from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from synthfoundry.db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


_id_lock = threading.Lock()
_last_id_clock = 0


def new_id() -> uuid.UUID:
    """A UUID version 7 (RFC 9562): time-ordered, so new rows append to primary-key indexes and
    ids sort by creation time, which keeps cursor pagination by id stable. The 12 bits after the
    millisecond hold its fraction (RFC 9562 method 3), bumped when two ids would tie, so that
    ids made by one process are strictly increasing."""
    global _last_id_clock
    with _id_lock:
        now_ns = time.time_ns()
        clock = (now_ns // 1_000_000) << 12 | (now_ns % 1_000_000) * 4096 // 1_000_000
        clock = max(clock, _last_id_clock + 1)
        _last_id_clock = clock
    unix_ms, fraction = clock >> 12, clock & 0xFFF
    value = (unix_ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76  # version
    value |= fraction << 64
    value |= 0x2 << 62  # RFC 4122 variant
    value |= int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    return uuid.UUID(int=value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class RecordBase(Base):
    """A row with a UUID primary key and creation/update timestamps."""

    __abstract__ = True

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
