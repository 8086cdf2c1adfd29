"""Batches: several train and generate operations as one parent job with a child job each."""

from __future__ import annotations

from sqlalchemy.orm import Session

from synthfoundry.accounts.actor import Actor
from synthfoundry.batch.schemas import BatchCreate, BatchParams, GenerateOperation
from synthfoundry.generators import service as generators
from synthfoundry.jobs import service as jobs
from synthfoundry.jobs.models import Job
from synthfoundry.synthetic_datasets import service as synthetic_datasets


def create(session: Session, actor: Actor, request: BatchCreate) -> Job:
    # Ownership and column names now; readiness when each operation runs (an earlier step may
    # train the model).
    for number, operation in enumerate(request.operations):
        generator = generators.get_owned(session, actor, operation.generator_id)
        if isinstance(operation, GenerateOperation):
            synthetic_datasets.check_columns(
                session, actor, generator, operation, field_prefix=f"operations.{number}."
            )
    return jobs.submit(session, actor, BatchParams.model_validate(request.model_dump()))
