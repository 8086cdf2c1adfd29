"""Workflow configurations (versioned, validated) and runs (a parent job with a child job per
step): create, read, pause, resume, abort, results; each owner seeing only their own."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from synthfoundry import audit, layout, runtime
from synthfoundry.accounts.actor import Actor
from synthfoundry.accounts.ownership import get_visible
from synthfoundry.datasets import service as datasets
from synthfoundry.datasets.exports import export_table
from synthfoundry.db.pagination import Page, paginate
from synthfoundry.errors import InvalidInput, InvalidState, NotFound, SynthfoundryError
from synthfoundry.generators import service as generators
from synthfoundry.jobs import service as jobs
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import Action
from synthfoundry.reports import service as reports
from synthfoundry.synthetic_datasets import service as synthetic_datasets
from synthfoundry.workflows.models import Workflow, WorkflowConfig, WorkflowConfigVersion
from synthfoundry.workflows.schemas import (
    CheckResult,
    ConfigRead,
    ExportRead,
    RunCreate,
    RunParams,
    StepRead,
    ValidationProblem,
    ValidationResult,
    WorkflowRead,
    WorkflowStatus,
    WorkflowStatusRead,
)
from synthfoundry.workflows.spec import problems

MAX_SAMPLES = 1000


# -- configurations --------------------------------------------------------------------------
def validate(session: Session, actor: Actor, document: Any) -> ValidationResult:
    """Every problem at once, each at its JSON pointer."""
    found = problems(document, lambda kind, value, _path: _check_id(session, actor, kind, value))
    return ValidationResult(
        valid=not found,
        problems=[ValidationProblem(path=path, message=message) for path, message in found],
    )


def _require_valid(session: Session, actor: Actor, document: Any, where: str = "config") -> None:
    result = validate(session, actor, document)
    if not result.valid:
        detail = "; ".join(f"{p.path or '/'}: {p.message}" for p in result.problems[:10])
        first = result.problems[0].path
        raise InvalidInput(f"invalid workflow: {detail}", field=f"{where}{first}")


def create_config(session: Session, actor: Actor, document: dict[str, Any]) -> WorkflowConfig:
    actor.require("workflows:write")
    _require_valid(session, actor, document)
    config = WorkflowConfig(
        owner_id=actor.user_id, name=str(document["name"]), version=1, spec=document
    )
    session.add(config)
    session.flush()
    session.add(WorkflowConfigVersion(config_id=config.id, version=1, spec=document))
    _audit(session, actor, "workflow_config.create", config.id, {"version": 1})
    return config


def update_config(
    session: Session, actor: Actor, config_id: uuid.UUID, document: dict[str, Any]
) -> WorkflowConfig:
    """A new version; runs keep the version they used."""
    actor.require("workflows:write")
    config = get_config(session, actor, config_id)
    _require_valid(session, actor, document)
    config.version += 1
    config.spec = document
    config.name = str(document["name"])
    session.add(WorkflowConfigVersion(config_id=config.id, version=config.version, spec=document))
    _audit(session, actor, "workflow_config.update", config.id, {"version": config.version})
    session.flush()
    return config


def validate_saved(session: Session, actor: Actor, config_id: uuid.UUID) -> ValidationResult:
    """Check a saved configuration again (the datasets it names may have gone)."""
    config = get_config(session, actor, config_id)
    result = validate(session, actor, config.spec)
    details = {"version": config.version, "valid": result.valid}
    _audit(session, actor, "workflow_config.validate", config.id, details)
    return result


def delete_config(session: Session, actor: Actor, config_id: uuid.UUID) -> None:
    actor.require("workflows:write")
    config = get_config(session, actor, config_id)
    session.delete(config)
    _audit(session, actor, "workflow_config.delete", config_id, {})


def get_config(session: Session, actor: Actor, config_id: uuid.UUID) -> WorkflowConfig:
    return get_visible(session, WorkflowConfig, actor.principal, config_id, "workflow config")


def list_configs(
    session: Session, actor: Actor, *, limit: int, cursor: str | None
) -> Page[WorkflowConfig]:
    statement = select(WorkflowConfig).where(WorkflowConfig.owner_id == actor.user_id)
    return paginate(session, statement, WorkflowConfig.id, limit=limit, cursor=cursor)


def config_read(session: Session, config: WorkflowConfig) -> ConfigRead:
    runs, average = session.execute(
        select(func.count(Workflow.id), func.avg(Workflow.cost_usd)).where(
            Workflow.config_id == config.id
        )
    ).one()
    return ConfigRead(
        id=config.id,
        name=config.name,
        version=config.version,
        config=config.spec,
        runs=int(runs or 0),
        average_cost_usd=None if average is None else round(float(average), 6),
        created_at=config.created_at,
        updated_at=config.updated_at,
    )


# -- runs ------------------------------------------------------------------------------------
def start(session: Session, actor: Actor, request: RunCreate) -> Workflow:
    """Queue a run of a saved configuration (a given version, or the latest) or of an inline
    one, with per-step parameter overrides."""
    actor.require("workflows:write")
    config: WorkflowConfig | None = None
    version: int | None = None
    if request.config_id is not None:
        config = get_config(session, actor, request.config_id)
        version = request.version or config.version
        stored = session.get(WorkflowConfigVersion, (config.id, version))
        if stored is None:
            raise InvalidInput(
                f"configuration {config.id} has no version {version}", field="version"
            )
        document = copy.deepcopy(stored.spec)
    else:
        assert request.config is not None
        document = copy.deepcopy(request.config)
    _require_valid(session, actor, document)  # a valid document's steps are named mappings
    steps = {step["name"]: step for step in document["steps"]}
    for name, changes in request.overrides.items():
        if name not in steps:
            raise InvalidInput(f"overrides: no step {name!r}", field=f"overrides/{name}")
        steps[name]["params"] = {**steps[name].get("params", {}), **changes}
    if request.overrides:
        _require_valid(session, actor, document)
    workflow = Workflow(
        owner_id=actor.user_id,
        config_id=config.id if config is not None else None,
        config_version=version,
        name=str(document["name"]),
        spec=document,
        keep_outputs=request.keep_outputs,
    )
    session.add(workflow)
    session.flush()
    params = RunParams(
        workflow_id=workflow.id,
        step_names=[s["name"] for s in document["steps"]],
        step_types=[s["type"] for s in document["steps"]],
    )
    job = jobs.submit(session, actor, params, target=workflow)
    workflow.job_id = job.id
    details = {"config_id": str(workflow.config_id), "version": version}
    _audit(session, actor, "workflow.start", workflow.id, details, target_type="workflow")
    session.flush()
    session.refresh(workflow)
    return workflow


def get_run(session: Session, actor: Actor, workflow_id: uuid.UUID) -> Workflow:
    return get_visible(session, Workflow, actor.principal, workflow_id, "workflow")


def list_runs(
    session: Session,
    actor: Actor,
    *,
    status: WorkflowStatus | None,
    all_owners: bool,
    limit: int,
    cursor: str | None,
) -> Page[Workflow]:
    statement = select(Workflow)
    if not actor.principal.lists_everyone(all_owners):
        statement = statement.where(Workflow.owner_id == actor.user_id)
    if status is not None:
        statement = statement.where(Workflow.status == status.value)
    return paginate(session, statement, Workflow.id, limit=limit, cursor=cursor)


def act(session: Session, actor: Actor, workflow_id: uuid.UUID, action: Action) -> Workflow:
    """Pause (the running step checkpoints; the rest wait), resume, or abort (the running step
    is cancelled and what the run made is removed unless it keeps its outputs)."""
    actor.require("workflows:write")
    workflow = get_run(session, actor, workflow_id)
    if workflow.job_id is None:
        raise InvalidState(f"workflow {workflow.id} has no job")
    jobs.act(session, actor, workflow.job_id, action)
    name = {Action.PAUSE: "pause", Action.RESUME: "resume", Action.CANCEL: "abort"}[action]
    _audit(session, actor, f"workflow.{name}", workflow.id, {}, target_type="workflow")
    session.flush()
    session.refresh(workflow)
    return workflow


def audit_targets(session: Session, actor: Actor, workflow_id: uuid.UUID) -> list[str]:
    """The audit targets of a run: the run and its configuration."""
    workflow = get_run(session, actor, workflow_id)
    return [str(workflow.id), *([str(workflow.config_id)] if workflow.config_id else [])]


def workflow_config_of(session: Session, workflow_id: uuid.UUID) -> list[str]:
    """The configuration a run came from, as an audit target (an admin's filter)."""
    config_id = session.scalar(select(Workflow.config_id).where(Workflow.id == workflow_id))
    return [str(config_id)] if config_id is not None else []


# -- reading ---------------------------------------------------------------------------------
def to_read(session: Session, workflow: Workflow) -> WorkflowRead:
    status = to_status(session, workflow)
    return WorkflowRead(
        id=workflow.id,
        name=workflow.name,
        config_id=workflow.config_id,
        config_version=workflow.config_version,
        status=status.status,
        progress=status.progress,
        current_stage=status.current_stage,
        message=status.message,
        steps=status.steps,
        job_id=workflow.job_id,
        error_message=workflow.error_message
        or (workflow.job.error_message if workflow.job is not None else None),
        cost_usd=workflow.cost_usd,
        compute_seconds=workflow.compute_seconds,
        results=workflow.results,
        created_at=workflow.created_at,
        updated_at=workflow.updated_at,
    )


def to_status(session: Session, workflow: Workflow) -> WorkflowStatusRead:
    job = workflow.job
    progress: dict[str, Any] = job.progress if job is not None else {}
    children = _children(session, workflow)
    steps = []
    for step, entry in zip(workflow.spec["steps"], job.stages if job else [], strict=False):
        child = children.get(step["name"])
        done = entry.get("status") == "succeeded"
        fraction = 1.0 if done else float(child.progress.get("fraction") or 0.0) if child else 0.0
        cost = workflow.cost.get(step["name"], {})
        steps.append(
            StepRead(
                name=step["name"],
                type=step["type"],
                status=entry.get("status", "pending"),
                progress=round(fraction, 4),
                job_id=child.id if child is not None else None,
                started_at=entry.get("started_at"),
                finished_at=entry.get("finished_at"),
                compute_seconds=cost.get("compute_seconds", 0.0),
                cost_usd=cost.get("cost_usd", 0.0),
                outputs=workflow.outputs.get(step["name"], {}),
            )
        )
    status = workflow.status
    return WorkflowStatusRead(
        id=workflow.id,
        status=status,
        progress=1.0 if status == WorkflowStatus.SUCCEEDED else float(progress.get("fraction", 0)),
        current_stage=progress.get("stage"),
        message=str(progress.get("message") or ""),
        steps=steps,
    )


def _children(session: Session, workflow: Workflow) -> dict[str, Job]:
    ids = {name: uuid.UUID(job_id) for name, job_id in workflow.step_jobs.items()}
    found = {job.id: job for job in session.scalars(select(Job).where(Job.id.in_(ids.values())))}
    return {name: found[job_id] for name, job_id in ids.items() if job_id in found}


def quality(session: Session, actor: Actor, workflow_id: uuid.UUID) -> dict[str, Any]:
    """The evaluate step's report."""
    workflow = get_run(session, actor, workflow_id)
    report_id = _output(workflow, "evaluate", "report_id")
    return reports.details(reports.get_owned(session, actor, uuid.UUID(report_id)))


def samples(session: Session, actor: Actor, workflow_id: uuid.UUID, limit: int) -> dict[str, Any]:
    """The first rows the generate step made."""
    workflow = get_run(session, actor, workflow_id)
    synthetic_id = _output(workflow, "generate", "synthetic_dataset_id")
    synthetic = synthetic_datasets.get_owned(session, actor, uuid.UUID(synthetic_id))
    key = synthetic_datasets.require_ready(synthetic)
    with runtime.storage().open_read(key) as source:
        table = pq.ParquetFile(source).read_row_group(0) if limit else None
    rows = table.slice(0, limit).to_pylist() if table is not None else []
    return {"columns": table.column_names if table is not None else [], "rows": rows}


def test_results(session: Session, actor: Actor, workflow_id: uuid.UUID) -> list[CheckResult]:
    workflow = get_run(session, actor, workflow_id)
    checks = workflow.results.get("checks")
    if checks is None:
        raise InvalidState(f"workflow {workflow.id} has no test results (yet)")
    return [CheckResult.model_validate(check) for check in checks]


def export(
    session: Session,
    actor: Actor,
    workflow_id: uuid.UUID,
    file_format: str,
    destination: str | None,
) -> ExportRead:
    """Write the generated rows as ``file_format`` under ``destination`` (a storage prefix) or
    the run's own folder; the run's results list every export."""
    actor.require("workflows:write")
    workflow = get_run(session, actor, workflow_id)
    synthetic_id = _output(workflow, "generate", "synthetic_dataset_id")
    written = write_export(
        session, actor, workflow, uuid.UUID(synthetic_id), file_format, destination
    )
    workflow.results = {
        **workflow.results,
        "exports": [*workflow.results.get("exports", []), written],
    }
    details = {"format": file_format, "key": written["key"]}
    _audit(session, actor, "workflow.export", workflow.id, details, target_type="workflow")
    return ExportRead.model_validate(written)


def write_export(
    session: Session,
    actor: Actor,
    workflow: Workflow,
    synthetic_id: uuid.UUID,
    file_format: str,
    destination: str | None,
) -> dict[str, Any]:
    synthetic = synthetic_datasets.get_owned(session, actor, synthetic_id)
    source = synthetic_datasets.require_ready(synthetic)
    name = f"{synthetic.name or 'synthetic'}.{file_format}".replace("/", "_")
    if destination:
        prefix = destination.strip("/")
        if ".." in prefix.split("/") or not prefix:
            raise InvalidInput("destination must be a plain storage prefix", field="destination")
        key = f"exports/{workflow.owner_id}/{prefix}/{name}"
        url = None
    else:
        key = f"{run_folder(workflow)}exports/{uuid.uuid4().hex[:8]}-{name}"
        url = f"/v1/workflows/{workflow.id}/results/exports/{key.rsplit('/', 1)[-1]}"
    storage = runtime.storage()
    size = storage.put(key, export_table(storage, source, synthetic.name, file_format))  # type: ignore[arg-type]
    return {"key": key, "format": file_format, "size_bytes": size, "download_url": url}


def export_key(session: Session, actor: Actor, workflow_id: uuid.UUID, file_name: str) -> str:
    workflow = get_run(session, actor, workflow_id)
    for written in workflow.results.get("exports", []):
        if written["key"].rsplit("/", 1)[-1] == file_name and written.get("download_url"):
            return str(written["key"])
    raise NotFound(f"no export {file_name!r} of workflow {workflow.id}")


def run_folder(workflow: Workflow) -> str:
    return layout.object_folder("workflows", workflow.owner_id, workflow.id)


def _output(workflow: Workflow, step_type: str, output: str) -> str:
    for step in workflow.spec["steps"]:
        if step["type"] == step_type and output in workflow.outputs.get(step["name"], {}):
            return str(workflow.outputs[step["name"]][output])
    raise InvalidState(f"workflow {workflow.id} has no finished {step_type} step")


def _check_id(session: Session, actor: Actor, kind: str, value: str) -> str | None:
    try:
        object_id = uuid.UUID(value)
    except ValueError:
        return f"{value!r} is neither an id nor a reference such as $train.generator_id"
    getters = {
        "dataset_id": datasets.get_owned,
        "generator_id": generators.get_owned,
        "synthetic_dataset_id": synthetic_datasets.get_owned,
        "report_id": reports.get_owned,
    }
    try:
        getters[kind](session, actor, object_id)
    except SynthfoundryError:
        return f"no {kind.removesuffix('_id').replace('_', ' ')} {value} of yours"
    return None


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    target_id: uuid.UUID,
    details: dict[str, Any],
    target_type: str = "workflow_config",
) -> None:
    audit.record(
        session, actor.audit, action, target_type=target_type, target_id=target_id, details=details
    )
