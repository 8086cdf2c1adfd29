"""Batches: several train and generate operations as one parent job with a child job each."""

from __future__ import annotations

from sqlalchemy.orm import Session

from synthfoundry.accounts.principal import Principal
from synthfoundry.audit.service import AuditContext
from synthfoundry.batch.schemas import BatchCreate
from synthfoundry.config import JobsSettings
from synthfoundry.generators import service as generators
from synthfoundry.jobs import service as jobs
from synthfoundry.jobs.models import Job

BATCH_KIND = "batch.run"


def create(
    session: Session,
    context: AuditContext,
    principal: Principal,
    settings: JobsSettings,
    request: BatchCreate,
) -> Job:
    # Ownership now; readiness when each operation runs (an earlier step may train the model).
    for operation in request.operations:
        generators.get_owned(session, principal, operation.generator_id)
    return jobs.create(
        session, context, principal, settings, BATCH_KIND, request.model_dump(mode="json")
    )
