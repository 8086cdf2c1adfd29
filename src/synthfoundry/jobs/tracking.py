"""How a domain row knows what its job is doing without a copy of the job's status: it keeps the
job's id, reads the job through a view-only relationship, and asks SQL the same question with
``active_job``. Statuses derived this way cannot drift from the job's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists
from sqlalchemy.orm import Mapped, relationship

from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import ACTIVE

ACTIVE_VALUES = [str(status) for status in ACTIVE]


def job_link(model: str, column: str) -> Mapped[Job | None]:
    """A view-only relationship from ``model.column`` to its job, loaded with the row."""
    return relationship(
        Job,
        primaryjoin=f"foreign({model}.{column}) == Job.id",
        viewonly=True,
        lazy="joined",
    )


def is_active(job: Job | None) -> bool:
    return job is not None and job.status in ACTIVE


def active_job(job_id: Any) -> ColumnElement[bool]:
    """SQL: the job whose id is in ``job_id`` is unfinished."""
    return exists().where(Job.id == job_id, Job.status.in_(ACTIVE_VALUES))
