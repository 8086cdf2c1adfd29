"""Reports: synthetic rows judged against real ones (fidelity, utility, privacy) by a job."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy.orm import Session

from synthfoundry import audit
from synthfoundry.accounts.ownership import get_visible, list_visible
from synthfoundry.accounts.principal import Principal
from synthfoundry.audit.service import AuditContext
from synthfoundry.config import JobsSettings
from synthfoundry.datasets import service as datasets
from synthfoundry.db.engine import after_commit
from synthfoundry.db.pagination import Page
from synthfoundry.errors import InvalidInput, InvalidState
from synthfoundry.jobs import service as jobs
from synthfoundry.jobs.models import Job
from synthfoundry.reports.models import Report
from synthfoundry.reports.schemas import ReportCreate
from synthfoundry.storage import BlobStore
from synthfoundry.synthetic_datasets import service as synthetic_datasets

EVALUATE_KIND = "reports.evaluate"


def create(
    session: Session,
    context: AuditContext,
    principal: Principal,
    settings: JobsSettings,
    request: ReportCreate,
) -> Job:
    real = datasets.get_owned(session, principal, request.real_dataset_id)
    synthetic = synthetic_datasets.get_owned(session, principal, request.synthetic_dataset_id)
    synthetic_datasets.require_ready(synthetic)
    if request.holdout_dataset_id is not None:
        datasets.get_owned(session, principal, request.holdout_dataset_id)
    names = [column["name"] for column in real.column_metadata["columns"]]
    if request.target is not None and request.target not in names:
        raise InvalidInput(
            f"target {request.target!r} is not a column of the dataset", field="target"
        )
    report = Report(
        owner_id=principal.user_id,
        real_dataset_id=real.id,
        synthetic_dataset_id=synthetic.id,
        holdout_dataset_id=request.holdout_dataset_id,
        target=request.target,
    )
    session.add(report)
    session.flush()
    report.files_prefix = f"reports/{report.owner_id}/{report.id}/"
    job = jobs.create(
        session,
        context,
        principal,
        settings,
        EVALUATE_KIND,
        {"report_id": str(report.id)},
        target_type="report",
        target_id=report.id,
    )
    report.job_id = job.id
    audit.record(session, context, "report.create", target_type="report", target_id=report.id)
    return job


def get_owned(session: Session, principal: Principal, report_id: uuid.UUID) -> Report:
    return get_visible(session, Report, principal, report_id, "report")


def list_page(
    session: Session, principal: Principal, *, all_owners: bool, limit: int, cursor: str | None
) -> Page[Report]:
    return list_visible(
        session, Report, principal, all_owners=all_owners, limit=limit, cursor=cursor
    )


def file_key(report: Report, file_format: str) -> str:
    if report.status != "ready":
        raise InvalidState(f"report {report.id} is {report.status}")
    return f"{report.files_prefix}report.{file_format}"


def details(storage: BlobStore, report: Report) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(storage.get(file_key(report, "json")))
    return loaded


def delete(
    session: Session,
    context: AuditContext,
    principal: Principal,
    storage: BlobStore,
    report_id: uuid.UUID,
) -> None:
    report = get_owned(session, principal, report_id)
    if report.status == "running":
        raise InvalidState(f"report {report.id} is still being made by job {report.job_id}")
    prefix = report.files_prefix
    session.delete(report)
    audit.record(session, context, "report.delete", target_type="report", target_id=report_id)

    def remove_files() -> None:
        storage.delete_prefix(prefix)

    after_commit(session, remove_files)
