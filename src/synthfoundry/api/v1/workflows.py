"""Workflows: saved, versioned configurations (`/v1/workflow-configs`) and their runs
(`/v1/workflows`): start, status, pause, resume, abort, results, exports, audit; the steps
("agents") of a run under `/v1/monitoring/agents/{workflow_id}`. Live `workflow_update`
messages come on the job-events WebSocket (`/v1/jobs/events`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status
from fastapi.responses import StreamingResponse

from synthfoundry.accounts.actor import Actor
from synthfoundry.api.accepted import JOB_PROBLEMS
from synthfoundry.api.deps import AppStateDep, SessionDep, StorageDep
from synthfoundry.api.pagination import Cursor, Limit, PageOf
from synthfoundry.api.problems import AUTH_PROBLEMS, problem_response
from synthfoundry.api.security import require_scope
from synthfoundry.api.v1.audit_events import AuditEventRead
from synthfoundry.audit.service import AuditFilter, list_events
from synthfoundry.jobs.states import Action
from synthfoundry.workflows import service
from synthfoundry.workflows.schemas import (
    CheckResult,
    ConfigRead,
    ExportCreate,
    ExportRead,
    RunCreate,
    StepRead,
    ValidationResult,
    WorkflowRead,
    WorkflowStatus,
    WorkflowStatusRead,
)

WorkflowsRead = Annotated[Actor, require_scope("workflows:read")]
WorkflowsWrite = Annotated[Actor, require_scope("workflows:write")]
Document = Annotated[
    dict[str, Any],
    Body(description="a configuration: {name, description, steps: [{name, type, params}]}"),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem_response("No such workflow of yours")}
INVALID: dict[int | str, dict[str, Any]] = {
    422: problem_response("Invalid: every problem with its JSON pointer")
}

configs_router = APIRouter(
    prefix="/v1/workflow-configs", tags=["workflow-configs"], responses=AUTH_PROBLEMS
)
router = APIRouter(prefix="/v1/workflows", tags=["workflows"], responses=AUTH_PROBLEMS)
monitoring_router = APIRouter(prefix="/v1/monitoring", tags=["monitoring"], responses=AUTH_PROBLEMS)


@configs_router.post("/validate", response_model=ValidationResult)
def validate_config(
    document: Document, actor: WorkflowsRead, session: SessionDep
) -> ValidationResult:
    """Check a configuration without keeping it: every problem at once, each at its JSON
    pointer (unknown step types, bad parameters, references to missing or later steps,
    datasets you cannot see)."""
    return service.validate(session, actor, document)


@configs_router.post(
    "", response_model=ConfigRead, status_code=status.HTTP_201_CREATED, responses=INVALID
)
def create_config(document: Document, actor: WorkflowsWrite, session: SessionDep) -> ConfigRead:
    """Save a configuration (version 1)."""
    return service.config_read(session, service.create_config(session, actor, document))


@configs_router.get("", response_model=PageOf[ConfigRead])
def list_configs(
    actor: WorkflowsRead, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> PageOf[ConfigRead]:
    """Your configurations, newest first, with their runs and average cost."""
    page = service.list_configs(session, actor, limit=limit, cursor=cursor)
    return PageOf[ConfigRead](
        items=[service.config_read(session, config) for config in page.items],
        next_cursor=page.next_cursor,
    )


@configs_router.get("/{config_id}", response_model=ConfigRead, responses=NOT_FOUND)
def get_config(config_id: uuid.UUID, actor: WorkflowsRead, session: SessionDep) -> ConfigRead:
    return service.config_read(session, service.get_config(session, actor, config_id))


@configs_router.put("/{config_id}", response_model=ConfigRead, responses={**NOT_FOUND, **INVALID})
def update_config(
    config_id: uuid.UUID, document: Document, actor: WorkflowsWrite, session: SessionDep
) -> ConfigRead:
    """Replace the configuration: a new version (runs keep the version they used)."""
    updated = service.update_config(session, actor, config_id, document)
    return service.config_read(session, updated)


@configs_router.post("/{config_id}/validate", response_model=ValidationResult, responses=NOT_FOUND)
def validate_saved_config(
    config_id: uuid.UUID, actor: WorkflowsRead, session: SessionDep
) -> ValidationResult:
    """Check a saved configuration again (what it names may have gone)."""
    return service.validate_saved(session, actor, config_id)


@configs_router.delete(
    "/{config_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND,
)
def delete_config(config_id: uuid.UUID, actor: WorkflowsWrite, session: SessionDep) -> Response:
    """Delete a configuration (its runs stay)."""
    service.delete_config(session, actor, config_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "",
    response_model=WorkflowRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**INVALID, **JOB_PROBLEMS, 404: problem_response("No such configuration of yours")},
)
def start_workflow(
    body: RunCreate,
    response: Response,
    actor: WorkflowsWrite,
    session: SessionDep,
    state: AppStateDep,
) -> WorkflowRead:
    """Run a saved configuration (a version, or the latest) or an inline one, with per-step
    overrides: a parent job with a stage and a child job per step."""
    state.rate_limiter.hit("jobs", str(actor.user_id))
    workflow = service.start(session, actor, body)
    response.headers["Location"] = f"/v1/workflows/{workflow.id}"
    return service.to_read(session, workflow)


@router.get("", response_model=PageOf[WorkflowRead])
def list_workflows(
    actor: WorkflowsRead,
    session: SessionDep,
    limit: Limit = 20,
    cursor: Cursor = None,
    status: Annotated[WorkflowStatus | None, Query()] = None,
    all_owners: Annotated[bool, Query(description="every user's (admin)")] = False,
) -> PageOf[WorkflowRead]:
    """Your runs, newest first."""
    page = service.list_runs(
        session, actor, status=status, all_owners=all_owners, limit=limit, cursor=cursor
    )
    return PageOf[WorkflowRead](
        items=[service.to_read(session, workflow) for workflow in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/{workflow_id}", response_model=WorkflowRead, responses=NOT_FOUND)
def get_workflow(workflow_id: uuid.UUID, actor: WorkflowsRead, session: SessionDep) -> WorkflowRead:
    return service.to_read(session, service.get_run(session, actor, workflow_id))


@router.get("/{workflow_id}/status", response_model=WorkflowStatusRead, responses=NOT_FOUND)
def workflow_status(
    workflow_id: uuid.UUID, actor: WorkflowsRead, session: SessionDep
) -> WorkflowStatusRead:
    """Status, progress, the current stage, a message ("generate: 650/1000 rows") and each
    step with its status, progress, job, times and cost."""
    return service.to_status(session, service.get_run(session, actor, workflow_id))


CONFLICT = {**NOT_FOUND, 409: problem_response("Not possible in its status")}


@router.post("/{workflow_id}/pause", response_model=WorkflowStatusRead, responses=CONFLICT)
def pause_workflow(
    workflow_id: uuid.UUID, actor: WorkflowsWrite, session: SessionDep
) -> WorkflowStatusRead:
    """Pause: the running step checkpoints, the rest wait."""
    return service.to_status(session, service.act(session, actor, workflow_id, Action.PAUSE))


@router.post("/{workflow_id}/resume", response_model=WorkflowStatusRead, responses=CONFLICT)
def resume_workflow(
    workflow_id: uuid.UUID, actor: WorkflowsWrite, session: SessionDep
) -> WorkflowStatusRead:
    """Resume at the step it was in."""
    return service.to_status(session, service.act(session, actor, workflow_id, Action.RESUME))


@router.post("/{workflow_id}/abort", response_model=WorkflowStatusRead, responses=CONFLICT)
def abort_workflow(
    workflow_id: uuid.UUID, actor: WorkflowsWrite, session: SessionDep
) -> WorkflowStatusRead:
    """Abort: the running step is cancelled; what the run made is removed unless it keeps its
    outputs."""
    return service.to_status(session, service.act(session, actor, workflow_id, Action.CANCEL))


@router.get("/{workflow_id}/results/quality", responses=NOT_FOUND)
def quality_report(
    workflow_id: uuid.UUID, actor: WorkflowsRead, session: SessionDep
) -> dict[str, Any]:
    """The evaluate step's quality report (fidelity, utility, privacy, validity)."""
    return service.quality(session, actor, workflow_id)


@router.get("/{workflow_id}/results/samples", responses=NOT_FOUND)
def samples(
    workflow_id: uuid.UUID,
    actor: WorkflowsRead,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=service.MAX_SAMPLES)] = 20,
) -> dict[str, Any]:
    """The first generated rows: `{columns, rows}`."""
    return service.samples(session, actor, workflow_id, limit)


@router.get(
    "/{workflow_id}/results/test-results", response_model=list[CheckResult], responses=NOT_FOUND
)
def test_results(
    workflow_id: uuid.UUID, actor: WorkflowsRead, session: SessionDep
) -> list[CheckResult]:
    """Each check of the test step: name, measured, threshold, passed."""
    return service.test_results(session, actor, workflow_id)


@router.post(
    "/{workflow_id}/results/export",
    response_model=ExportRead,
    status_code=status.HTTP_201_CREATED,
    responses=NOT_FOUND,
)
def export_results(
    workflow_id: uuid.UUID, body: ExportCreate, actor: WorkflowsWrite, session: SessionDep
) -> ExportRead:
    """Write the generated rows as CSV, JSON or Parquet, to a storage prefix (`destination`)
    or to the run's results for download."""
    return service.export(session, actor, workflow_id, body.format, body.destination)


@router.get(
    "/{workflow_id}/results/exports/{file_name}",
    response_class=StreamingResponse,
    responses=NOT_FOUND,
)
def download_export(
    workflow_id: uuid.UUID,
    file_name: str,
    actor: WorkflowsRead,
    session: SessionDep,
    storage: StorageDep,
) -> StreamingResponse:
    """One export of the run."""
    key = service.export_key(session, actor, workflow_id, file_name)
    return StreamingResponse(
        storage.iter_chunks(key),
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{file_name}"'},
    )


@router.get("/{workflow_id}/audit", response_model=list[AuditEventRead], responses=NOT_FOUND)
def workflow_audit(
    workflow_id: uuid.UUID, actor: WorkflowsRead, session: SessionDep
) -> list[AuditEventRead]:
    """Every action on the run and its configuration, oldest first."""
    targets = tuple(service.audit_targets(session, actor, workflow_id))
    page = list_events(session, AuditFilter(target_ids=targets), limit=500, cursor=None)
    return [AuditEventRead.model_validate(event) for event in reversed(page.items)]


@monitoring_router.get("/agents/{workflow_id}", response_model=list[StepRead], responses=NOT_FOUND)
def workflow_agents(
    workflow_id: uuid.UUID, actor: WorkflowsRead, session: SessionDep
) -> list[StepRead]:
    """The run's steps ("agents"): status, progress, job, times, compute and cost."""
    return service.to_status(session, service.get_run(session, actor, workflow_id)).steps
