"""Usage figures: objects, jobs by status, rows and bytes, for one owner or everyone."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from synthfoundry.accounts.actor import Actor
from synthfoundry.datasets.models import Dataset
from synthfoundry.generators.models import Generator
from synthfoundry.jobs.models import Job
from synthfoundry.reports.models import Report
from synthfoundry.synthetic_datasets.models import SyntheticDataset


class UsageStats(BaseModel):
    datasets: int
    generators: int
    generators_by_status: dict[str, int]
    synthetic_datasets: int
    reports: int
    jobs_by_status: dict[str, int]
    rows_uploaded: int
    rows_generated: int
    storage_bytes: int


def usage(session: Session, actor: Actor, all_owners: bool) -> UsageStats:
    everyone = actor.principal.lists_everyone(all_owners)

    def mine(model: Any) -> Any:
        return None if everyone else model.owner_id == actor.user_id

    def scalar(column: Any, model: Any) -> int:
        statement = select(func.coalesce(column, 0))
        if (condition := mine(model)) is not None:
            statement = statement.where(condition)
        return int(session.scalar(statement) or 0)

    def by_status(model: Any) -> dict[str, int]:
        # A derived status is an expression: group the rows of a subquery that names it.
        rows = select(model.status.label("status"))
        if (condition := mine(model)) is not None:
            rows = rows.where(condition)
        inner = rows.subquery()
        statement = select(inner.c.status, func.count()).group_by(inner.c.status)
        return {str(status): int(count) for status, count in session.execute(statement)}

    generators = by_status(Generator)
    return UsageStats(
        datasets=scalar(func.count(Dataset.id), Dataset),
        generators=sum(generators.values()),
        generators_by_status=generators,
        synthetic_datasets=scalar(func.count(SyntheticDataset.id), SyntheticDataset),
        reports=scalar(func.count(Report.id), Report),
        jobs_by_status=by_status(Job),
        rows_uploaded=scalar(func.sum(Dataset.rows), Dataset),
        rows_generated=scalar(func.sum(SyntheticDataset.rows), SyntheticDataset),
        storage_bytes=scalar(func.sum(Dataset.size_bytes), Dataset)
        + scalar(func.sum(SyntheticDataset.size_bytes), SyntheticDataset),
    )
