from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import StreamingResponse

from synthfoundry.accounts.actor import Actor
from synthfoundry.api.accepted import JOB_PROBLEMS, job_accepted
from synthfoundry.api.deps import AppStateDep, SessionDep, StorageDep
from synthfoundry.api.pagination import Cursor, Limit, PageOf
from synthfoundry.api.problems import AUTH_PROBLEMS, problem_response
from synthfoundry.api.security import require_scope
from synthfoundry.jobs.schemas import JobRead
from synthfoundry.reports import service
from synthfoundry.reports.models import Report
from synthfoundry.reports.schemas import ReportCreate, ReportRead

router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=AUTH_PROBLEMS)

ReportsRead = Annotated[Actor, require_scope("reports:read")]
ReportsWrite = Annotated[Actor, require_scope("reports:write")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem_response("No such report of yours")}


@router.post(
    "",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        404: problem_response("No such dataset of yours"),
        409: problem_response("The synthetic dataset is not ready"),
        **JOB_PROBLEMS,
    },
)
def create_report(
    response: Response,
    body: ReportCreate,
    actor: ReportsWrite,
    session: SessionDep,
    state: AppStateDep,
) -> JobRead:
    """Judge a synthetic dataset against a real one (and a holdout) in the background."""
    return job_accepted(state, actor, response, lambda: service.create(session, actor, body))


@router.get("", response_model=PageOf[ReportRead])
def list_reports(
    actor: ReportsRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    all_owners: Annotated[bool, Query(description="every user's reports (admin)")] = False,
) -> PageOf[ReportRead]:
    """Your reports, newest first."""
    page = service.list_page(session, actor, all_owners=all_owners, limit=limit, cursor=cursor)
    return PageOf[ReportRead](
        items=[ReportRead.model_validate(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.get("/{report_id}", response_model=ReportRead, responses=NOT_FOUND)
def get_report(report_id: uuid.UUID, actor: ReportsRead, session: SessionDep) -> Report:
    """One report: its status and headline scores."""
    return service.get_owned(session, actor, report_id)


@router.get(
    "/{report_id}/details",
    responses={**NOT_FOUND, 409: problem_response("Not ready yet")},
)
def get_report_details(
    report_id: uuid.UUID, actor: ReportsRead, session: SessionDep
) -> dict[str, Any]:
    """The whole report as JSON: every column, pair, utility and privacy figure."""
    return service.details(service.get_owned(session, actor, report_id))


@router.get(
    "/{report_id}/download",
    response_class=StreamingResponse,
    responses={
        **NOT_FOUND,
        409: problem_response("Not ready yet"),
        200: {"content": {"text/html": {}, "application/json": {}}},
    },
)
def download_report(
    report_id: uuid.UUID,
    actor: ReportsRead,
    session: SessionDep,
    storage: StorageDep,
    file_format: Annotated[Literal["html", "json"], Query(alias="format")] = "html",
) -> StreamingResponse:
    """The report as a self-contained HTML page (inline SVG plots) or JSON."""
    report = service.get_owned(session, actor, report_id)
    key = service.file_key(report, file_format)
    media = "text/html" if file_format == "html" else "application/json"
    return StreamingResponse(
        storage.iter_chunks(key),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="report-{report.id}.{file_format}"'},
    )


@router.delete(
    "/{report_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**NOT_FOUND, 409: problem_response("Still running")},
)
def delete_report(
    report_id: uuid.UUID,
    actor: ReportsWrite,
    session: SessionDep,
) -> Response:
    """Delete a report and its files."""
    service.delete(session, actor, report_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
