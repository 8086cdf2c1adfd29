from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, Security, status
from fastapi.responses import StreamingResponse

from synthfoundry.accounts.principal import Principal
from synthfoundry.api.deps import AppStateDep, SessionDep, StorageDep
from synthfoundry.api.pagination import Cursor, Limit, PageOf
from synthfoundry.api.problems import AUTH_PROBLEMS, problem_response
from synthfoundry.api.security import audit_context, authenticated
from synthfoundry.jobs.schemas import JobRead
from synthfoundry.reports import service
from synthfoundry.reports.models import Report
from synthfoundry.reports.schemas import ReportCreate, ReportRead

router = APIRouter(prefix="/v1/reports", tags=["reports"], responses=AUTH_PROBLEMS)

ReportsRead = Annotated[Principal, Security(authenticated, scopes=["reports:read"])]
ReportsWrite = Annotated[Principal, Security(authenticated, scopes=["reports:write"])]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem_response("No such report of yours")}


@router.post(
    "",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        404: problem_response("No such dataset of yours"),
        409: problem_response("The synthetic dataset is not ready"),
        429: problem_response("Too many unfinished jobs or job requests"),
    },
)
def create_report(
    request: Request,
    response: Response,
    body: ReportCreate,
    principal: ReportsWrite,
    session: SessionDep,
    state: AppStateDep,
) -> JobRead:
    """Judge a synthetic dataset against a real one (and a holdout) in the background."""
    state.rate_limiter.hit("jobs", str(principal.user_id))
    job = service.create(session, audit_context(request), principal, state.settings.jobs, body)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return JobRead.of(job)


@router.get("", response_model=PageOf[ReportRead])
def list_reports(
    principal: ReportsRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    all_owners: Annotated[bool, Query(description="every user's reports (admin)")] = False,
) -> PageOf[ReportRead]:
    """Your reports, newest first."""
    page = service.list_page(session, principal, all_owners=all_owners, limit=limit, cursor=cursor)
    return PageOf[ReportRead](
        items=[ReportRead.model_validate(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.get("/{report_id}", response_model=ReportRead, responses=NOT_FOUND)
def get_report(report_id: uuid.UUID, principal: ReportsRead, session: SessionDep) -> Report:
    """One report: its status and headline scores."""
    return service.get_owned(session, principal, report_id)


@router.get(
    "/{report_id}/details",
    responses={**NOT_FOUND, 409: problem_response("Not ready yet")},
)
def get_report_details(
    report_id: uuid.UUID, principal: ReportsRead, session: SessionDep, storage: StorageDep
) -> dict[str, Any]:
    """The whole report as JSON: every column, pair, utility and privacy figure."""
    return service.details(storage, service.get_owned(session, principal, report_id))


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
    principal: ReportsRead,
    session: SessionDep,
    storage: StorageDep,
    file_format: Annotated[Literal["html", "json"], Query(alias="format")] = "html",
) -> StreamingResponse:
    """The report as a self-contained HTML page (inline SVG plots) or JSON."""
    report = service.get_owned(session, principal, report_id)
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
    request: Request,
    report_id: uuid.UUID,
    principal: ReportsWrite,
    session: SessionDep,
    storage: StorageDep,
) -> Response:
    """Delete a report and its files."""
    service.delete(session, audit_context(request), principal, storage, report_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
