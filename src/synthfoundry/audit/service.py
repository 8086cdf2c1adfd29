from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from synthfoundry.audit.models import AuditEvent
from synthfoundry.db import utcnow
from synthfoundry.db.pagination import Page, paginate
from synthfoundry.exports import neutralise_formula

ActorType = Literal["user", "api_key", "anonymous", "system"]
SECRET_FIELDS = frozenset(
    {
        "password",
        "new_password",
        "current_password",
        "password_hash",
        "secret",
        "secret_hash",
        "token",
        "access_token",
        "refresh_token",
        "token_hash",
    }
)
EXPORT_COLUMNS = (
    "id",
    "occurred_at",
    "action",
    "outcome",
    "actor_type",
    "actor_id",
    "api_key_id",
    "client_ip",
    "request_id",
    "target_type",
    "target_id",
    "details",
)
_EXPORT_BATCH = 500


@dataclass(frozen=True)
class AuditContext:
    """Who acts and from where; built once per request (or ``system`` for background work)."""

    actor_type: ActorType
    actor_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    client_ip: str | None = None
    request_id: str | None = None


SYSTEM = AuditContext(actor_type="system")


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    actor_id: uuid.UUID | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    target_ids: tuple[str, ...] = ()
    """Any of these targets (a workflow run and its configuration, say)."""


def without_secrets(details: dict[str, Any]) -> dict[str, Any]:
    """Secret values are replaced by a marker: the event says that they changed, never to what."""
    return {key: "[redacted]" if key in SECRET_FIELDS else value for key, value in details.items()}


def record(
    session: Session,
    context: AuditContext,
    action: str,
    *,
    target_type: str | None = None,
    target_id: uuid.UUID | str | None = None,
    details: dict[str, Any] | None = None,
    outcome: Literal["success", "failure"] = "success",
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        outcome=outcome,
        actor_type=context.actor_type,
        actor_id=context.actor_id,
        api_key_id=context.api_key_id,
        client_ip=context.client_ip,
        request_id=context.request_id,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        details=without_secrets(details or {}),
    )
    session.add(event)
    return event


def _filtered(filters: AuditFilter) -> Select[AuditEvent]:
    statement = select(AuditEvent)
    if filters.action:
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.actor_id:
        statement = statement.where(AuditEvent.actor_id == filters.actor_id)
    if filters.target_type:
        statement = statement.where(AuditEvent.target_type == filters.target_type)
    if filters.target_id:
        statement = statement.where(AuditEvent.target_id == filters.target_id)
    if filters.target_ids:
        statement = statement.where(AuditEvent.target_id.in_(filters.target_ids))
    if filters.since:
        statement = statement.where(AuditEvent.occurred_at >= filters.since)
    if filters.until:
        statement = statement.where(AuditEvent.occurred_at < filters.until)
    return statement


def list_events(
    session: Session, filters: AuditFilter, *, limit: int, cursor: str | None
) -> Page[AuditEvent]:
    return paginate(session, _filtered(filters), AuditEvent.id, limit=limit, cursor=cursor)


def _rows(session: Session, filters: AuditFilter) -> Iterator[AuditEvent]:
    cursor: str | None = None
    while True:
        page = list_events(session, filters, limit=_EXPORT_BATCH, cursor=cursor)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _as_record(event: AuditEvent) -> dict[str, Any]:
    return {
        column: (
            event.details
            if column == "details"
            else value.isoformat()
            if isinstance(value := getattr(event, column), datetime)
            else str(value)
            if isinstance(value, uuid.UUID)
            else value
        )
        for column in EXPORT_COLUMNS
    }


def export_jsonl(session: Session, filters: AuditFilter) -> Iterator[str]:
    for event in _rows(session, filters):
        yield json.dumps(_as_record(event), separators=(",", ":")) + "\n"


def export_csv(session: Session, filters: AuditFilter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for event in _rows(session, filters):
        record_ = _as_record(event)
        record_["details"] = json.dumps(record_["details"], separators=(",", ":"))
        writer.writerow(
            neutralise_formula(value) if isinstance(value, str) else value
            for value in record_.values()
        )
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def prune(session: Session, retention_days: int, now: datetime | None = None) -> int:
    """Delete events older than the retention period; return how many went."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    result = session.execute(delete(AuditEvent).where(AuditEvent.occurred_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
