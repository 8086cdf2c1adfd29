"""Cursor pagination over time-ordered (UUIDv7) ids, newest first."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from synthfoundry.errors import InvalidInput

RowT = TypeVar("RowT")


@dataclass(frozen=True)
class Page(Generic[RowT]):
    items: list[RowT]
    next_cursor: str | None


def encode_cursor(row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(row_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (binascii.Error, ValueError):
        raise InvalidInput("cursor is not one this API returned", field="cursor") from None


def paginate(
    session: Session,
    statement: Select[RowT],
    id_column: InstrumentedAttribute[Any],
    *,
    limit: int,
    cursor: str | None,
) -> Page[RowT]:
    if cursor is not None:
        statement = statement.where(id_column < decode_cursor(cursor))
    rows = list(session.scalars(statement.order_by(id_column.desc()).limit(limit + 1)))
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    last_id: uuid.UUID = getattr(rows[limit - 1], id_column.key)
    return Page(items=rows[:limit], next_cursor=encode_cursor(last_id))
