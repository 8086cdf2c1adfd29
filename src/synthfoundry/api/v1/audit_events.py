from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict

from synthfoundry.api.deps import DatabaseDep, SessionDep
from synthfoundry.api.pagination import Cursor, Limit, PageOf
from synthfoundry.api.problems import AUTH_PROBLEMS
from synthfoundry.api.security import Admin
from synthfoundry.audit.service import AuditFilter, export_csv, export_jsonl, list_events
from synthfoundry.workflows.service import workflow_config_of

router = APIRouter(
    prefix="/v1/audit-events",
    tags=["audit-events"],
    responses=AUTH_PROBLEMS,
)


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    occurred_at: datetime
    action: str
    outcome: str
    actor_type: str
    actor_id: uuid.UUID | None
    api_key_id: uuid.UUID | None
    client_ip: str | None
    request_id: str | None
    target_type: str | None
    target_id: str | None
    details: dict[str, Any]


def audit_filter(
    session: SessionDep,
    action: Annotated[str | None, Query(max_length=64, examples=["users.update"])] = None,
    actor_id: uuid.UUID | None = None,
    target_type: Annotated[str | None, Query(max_length=64)] = None,
    target_id: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[datetime | None, Query(description="inclusive, RFC 3339")] = None,
    until: Annotated[datetime | None, Query(description="exclusive, RFC 3339")] = None,
    workflow_id: Annotated[
        uuid.UUID | None, Query(description="a workflow run's events and its configuration's")
    ] = None,
) -> AuditFilter:
    targets: tuple[str, ...] = ()
    if workflow_id is not None:
        targets = (str(workflow_id), *workflow_config_of(session, workflow_id))
    return AuditFilter(action, actor_id, target_type, target_id, since, until, targets)


AuditFilterDep = Annotated[AuditFilter, Depends(audit_filter)]


@router.get("", response_model=PageOf[AuditEventRead])
def list_audit_events(
    actor: Admin,
    session: SessionDep,
    filters: AuditFilterDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> PageOf[AuditEventRead]:
    """Audit events, newest first, filtered (admin)."""
    page = list_events(session, filters, limit=limit, cursor=cursor)
    return PageOf[AuditEventRead](
        items=[AuditEventRead.model_validate(event) for event in page.items],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}},
)
def export_audit_events(
    actor: Admin,
    database: DatabaseDep,
    filters: AuditFilterDep,
    format: Annotated[Literal["csv", "jsonl"], Query()] = "jsonl",
) -> StreamingResponse:
    """Every matching event as CSV or JSON Lines, streamed (admin)."""
    exporter = export_csv if format == "csv" else export_jsonl

    def lines() -> Iterator[str]:
        # The request's session is closed once the route returns; the stream reads on its own.
        with database.unit_of_work() as session:
            yield from exporter(session, filters)

    media_type = "text/csv" if format == "csv" else "application/x-ndjson"
    filename = f"audit-events.{format}"
    return StreamingResponse(
        lines(),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
