"""Synthetic datasets: rows from a trained generator, made by a job straight to storage."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from synthfoundry import audit
from synthfoundry.accounts.ownership import get_visible, list_visible
from synthfoundry.accounts.principal import Principal
from synthfoundry.audit.service import AuditContext
from synthfoundry.config import JobsSettings
from synthfoundry.db.engine import after_commit
from synthfoundry.db.pagination import Page
from synthfoundry.errors import InvalidState
from synthfoundry.generators import service as generators
from synthfoundry.jobs import service as jobs
from synthfoundry.jobs.models import Job
from synthfoundry.storage import BlobStore
from synthfoundry.synthetic_datasets.models import SyntheticDataset
from synthfoundry.synthetic_datasets.schemas import SyntheticDatasetCreate

GENERATE_KIND = "synthetic.generate"


def create(
    session: Session,
    context: AuditContext,
    principal: Principal,
    settings: JobsSettings,
    request: SyntheticDatasetCreate,
) -> Job:
    generator = generators.get_owned(session, principal, request.generator_id)
    generators.require_ready(generator)
    size = request.size
    if isinstance(request.conditions, list):
        size = sum(int(c["count"]) for c in request.conditions)
    synthetic = SyntheticDataset(
        owner_id=principal.user_id,
        generator_id=generator.id,
        name=request.name or f"{generator.name}: {size} rows"[:200],
        size=size,
        seed=request.seed,
        conditions=request.conditions,
        rebalance=request.rebalance.model_dump() if request.rebalance else None,
        file_format=request.format,
        with_report=request.report,
        storage_key="",
    )
    session.add(synthetic)
    session.flush()
    synthetic.storage_key = f"synthetic/{synthetic.owner_id}/{synthetic.id}/data.parquet"
    job = jobs.create(
        session,
        context,
        principal,
        settings,
        GENERATE_KIND,
        {"synthetic_dataset_id": str(synthetic.id)},
        target_type="synthetic_dataset",
        target_id=synthetic.id,
    )
    synthetic.job_id = job.id
    audit.record(
        session,
        context,
        "synthetic_dataset.create",
        target_type="synthetic_dataset",
        target_id=synthetic.id,
        details={"generator_id": str(generator.id), "size": size},
    )
    return job


def get_owned(session: Session, principal: Principal, synthetic_id: uuid.UUID) -> SyntheticDataset:
    return get_visible(session, SyntheticDataset, principal, synthetic_id, "synthetic dataset")


def list_page(
    session: Session, principal: Principal, *, all_owners: bool, limit: int, cursor: str | None
) -> Page[SyntheticDataset]:
    return list_visible(
        session, SyntheticDataset, principal, all_owners=all_owners, limit=limit, cursor=cursor
    )


def require_ready(synthetic: SyntheticDataset) -> str:
    if synthetic.status != "ready":
        raise InvalidState(f"synthetic dataset {synthetic.id} is {synthetic.status}")
    return synthetic.storage_key


def delete(
    session: Session,
    context: AuditContext,
    principal: Principal,
    storage: BlobStore,
    synthetic_id: uuid.UUID,
) -> None:
    synthetic = get_owned(session, principal, synthetic_id)
    if (busy := jobs.active_job_for(session, synthetic.id)) is not None:
        raise InvalidState(f"synthetic dataset {synthetic.id} is being made by job {busy}")
    key = synthetic.storage_key
    session.delete(synthetic)
    audit.record(
        session,
        context,
        "synthetic_dataset.delete",
        target_type="synthetic_dataset",
        target_id=synthetic_id,
    )

    def remove_files() -> None:
        storage.delete_prefix(key.rsplit("/", 1)[0] + "/")

    after_commit(session, remove_files)
