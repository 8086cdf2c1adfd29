"""Batches: several train and generate operations as one parent job with a child job each."""

from __future__ import annotations

from sqlalchemy.orm import Session

from synthfoundry.accounts.actor import Actor
from synthfoundry.batch.schemas import BatchCreate, BatchParams
from synthfoundry.generators import service as generators
from synthfoundry.jobs import service as jobs
from synthfoundry.jobs.models import Job


def create(session: Session, actor: Actor, request: BatchCreate) -> Job:
    # Ownership now; readiness when each operation runs (an earlier step may train the model).
    for operation in request.operations:
        generators.get_owned(session, actor, operation.generator_id)
    return jobs.submit(session, actor, BatchParams.model_validate(request.model_dump()))
