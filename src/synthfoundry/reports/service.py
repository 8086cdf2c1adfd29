"""Reports: synthetic rows judged against real ones (fidelity, utility, privacy) by a job."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy.orm import Session

from synthfoundry import audit, layout, runtime
from synthfoundry.accounts.actor import Actor
from synthfoundry.accounts.ownership import get_visible, list_visible
from synthfoundry.datasets import service as datasets
from synthfoundry.db.pagination import Page
from synthfoundry.errors import InvalidInput, InvalidState
from synthfoundry.jobs import service as jobs
from synthfoundry.jobs.models import Job
from synthfoundry.reports.models import Report
from synthfoundry.reports.schemas import EvaluateParams, ReportCreate, ReportStatus
from synthfoundry.synthetic_datasets import service as synthetic_datasets


def create(session: Session, actor: Actor, request: ReportCreate) -> Job:
    real = datasets.get_owned(session, actor, request.real_dataset_id)
    synthetic = synthetic_datasets.get_owned(session, actor, request.synthetic_dataset_id)
    synthetic_datasets.require_ready(synthetic)
    if request.holdout_dataset_id is not None:
        datasets.get_owned(session, actor, request.holdout_dataset_id)
    names = [column["name"] for column in real.column_metadata["columns"]]
    if request.target is not None and request.target not in names:
        raise InvalidInput(
            f"target {request.target!r} is not a column of the dataset", field="target"
        )
    report = Report(
        owner_id=actor.user_id,
        real_dataset_id=real.id,
        synthetic_dataset_id=synthetic.id,
        holdout_dataset_id=request.holdout_dataset_id,
        target=request.target,
    )
    session.add(report)
    session.flush()
    report.files_prefix = layout.object_folder(layout.REPORTS, report.owner_id, report.id)
    job = jobs.submit(session, actor, EvaluateParams(report_id=report.id), target=report)
    report.job_id = job.id
    audit.record(session, actor.audit, "report.create", target_type="report", target_id=report.id)
    return job


def get_owned(session: Session, actor: Actor, report_id: uuid.UUID) -> Report:
    return get_visible(session, Report, actor.principal, report_id, "report")


def list_page(
    session: Session, actor: Actor, *, all_owners: bool, limit: int, cursor: str | None
) -> Page[Report]:
    return list_visible(
        session, Report, actor.principal, all_owners=all_owners, limit=limit, cursor=cursor
    )


def file_key(report: Report, file_format: str) -> str:
    if report.status != ReportStatus.READY:
        raise InvalidState(f"report {report.id} is {report.status}")
    return f"{report.files_prefix}report.{file_format}"


def details(report: Report) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(runtime.storage().get(file_key(report, "json")))
    return loaded


def delete(session: Session, actor: Actor, report_id: uuid.UUID) -> None:
    report = get_owned(session, actor, report_id)
    if report.status == ReportStatus.RUNNING:
        raise InvalidState(f"report {report.id} is still being made by job {report.job_id}")
    prefix = report.files_prefix
    session.delete(report)
    audit.record(session, actor.audit, "report.delete", target_type="report", target_id=report_id)
    layout.remove_after_commit(session, runtime.storage(), prefix)
