"""Synthetic datasets: rows from a trained generator, made by a job straight to storage."""

from __future__ import annotations

import uuid
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from synthfoundry import audit, layout, runtime
from synthfoundry.accounts.actor import Actor
from synthfoundry.accounts.ownership import get_visible, list_visible
from synthfoundry.db.pagination import Page
from synthfoundry.errors import InvalidInput, InvalidState
from synthfoundry.generators import service as generators
from synthfoundry.generators.models import Generator
from synthfoundry.jobs import service as jobs
from synthfoundry.jobs.models import Job
from synthfoundry.suggestions import refuse_unknown
from synthfoundry.synthetic_datasets.models import SyntheticDataset
from synthfoundry.synthetic_datasets.schemas import (
    GenerateParams,
    SyntheticDatasetCreate,
    SyntheticDatasetStatus,
)
from synthfoundry.tabular.requests import check_condition_columns


def create(session: Session, actor: Actor, request: SyntheticDatasetCreate) -> Job:
    actor.require("synthetic-datasets:write")
    generator = generators.get_owned(session, actor, request.generator_id)
    generators.require_ready(generator)
    check_columns(session, actor, generator, request)
    size = request.size
    if isinstance(request.conditions, list):
        size = sum(int(c["count"]) for c in request.conditions)
    elif request.known is not None:
        size = len(request.known)
    made = "completed rows" if request.known is not None else "rows"
    synthetic = SyntheticDataset(
        owner_id=actor.user_id,
        generator_id=generator.id,
        name=request.name or f"{generator.name}: {size} {made}"[:200],
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
    folder = layout.object_folder(layout.SYNTHETIC_DATASETS, synthetic.owner_id, synthetic.id)
    synthetic.storage_key = folder + "data.parquet"
    known_key = None
    if request.known is not None:
        known_key = folder + "known.parquet"
        storage = runtime.storage()
        layout.remove_on_rollback(session, storage, folder)
        storage.put(known_key, known_rows_parquet(request.known))
    params = GenerateParams(synthetic_dataset_id=synthetic.id, known_rows_key=known_key)
    job = jobs.submit(session, actor, params, target=synthetic)
    synthetic.job_id = job.id
    audit.record(
        session,
        actor.audit,
        "synthetic_dataset.create",
        target_type="synthetic_dataset",
        target_id=synthetic.id,
        details={"generator_id": str(generator.id), "size": size},
    )
    return job


def known_rows_parquet(rows: list[dict[str, Any]]) -> bytes:
    """The partial rows to complete as Parquet, or ``InvalidInput`` naming a column whose
    values do not share one type."""
    columns = {}
    # Column by column: ``Table.from_pylist`` would take its columns from the first row alone.
    for name in dict.fromkeys(name for row in rows for name in row):
        try:
            columns[name] = pa.array([row.get(name) for row in rows])
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            raise InvalidInput(
                f"known rows: the values of {name!r} are not all of one type", field=f"known.{name}"
            ) from None
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(columns), sink)
    return bytes(sink.getvalue().to_pybytes())


def check_columns(
    session: Session,
    actor: Actor,
    generator: Generator,
    request: SyntheticDatasetCreate,
    *,
    field_prefix: str = "",
) -> None:
    """Refuse, before any job runs, conditions or a rebalance on columns the generator does not
    make, naming each (``conditions.agee: unknown column; did you mean "age"?``)."""
    columns = generators.columns_of(session, actor, generator)
    if columns is None:
        return  # the job names them when it loads the model
    check_condition_columns(columns, request.conditions, field=f"{field_prefix}conditions")
    if request.rebalance is not None and request.rebalance.column not in columns:
        path = f"{field_prefix}rebalance.column"
        refuse_unknown("column", [(path, request.rebalance.column)], columns)
    first_row_with: dict[str, int] = {}
    for number, row in enumerate(request.known or []):
        for name in row:
            if name not in columns:
                first_row_with.setdefault(name, number)
    unknown = [
        (f"{field_prefix}known.{number}.{name}", name) for name, number in first_row_with.items()
    ]
    refuse_unknown("column", unknown, columns)


def get_owned(session: Session, actor: Actor, synthetic_id: uuid.UUID) -> SyntheticDataset:
    return get_visible(
        session, SyntheticDataset, actor.principal, synthetic_id, "synthetic dataset"
    )


def list_page(
    session: Session, actor: Actor, *, all_owners: bool, limit: int, cursor: str | None
) -> Page[SyntheticDataset]:
    return list_visible(
        session,
        SyntheticDataset,
        actor.principal,
        all_owners=all_owners,
        limit=limit,
        cursor=cursor,
    )


def require_ready(synthetic: SyntheticDataset) -> str:
    if synthetic.status != SyntheticDatasetStatus.READY:
        raise InvalidState(f"synthetic dataset {synthetic.id} is {synthetic.status}")
    return synthetic.storage_key


def preview(synthetic: SyntheticDataset, limit: int) -> dict[str, Any]:
    """The first ``limit`` rows and the column names (read from the file's first batch only)."""
    key = require_ready(synthetic)
    with runtime.storage().open_read(key) as source:
        parquet = pq.ParquetFile(source)
        first = next(parquet.iter_batches(batch_size=limit), None)
        names = parquet.schema_arrow.names
    return {"columns": names, "rows": first.to_pylist()[:limit] if first is not None else []}


def delete(session: Session, actor: Actor, synthetic_id: uuid.UUID) -> None:
    synthetic = get_owned(session, actor, synthetic_id)
    if (busy := jobs.active_job_for(session, synthetic.id)) is not None:
        raise InvalidState(f"synthetic dataset {synthetic.id} is being made by job {busy}")
    key = synthetic.storage_key
    session.delete(synthetic)
    audit.record(
        session,
        actor.audit,
        "synthetic_dataset.delete",
        target_type="synthetic_dataset",
        target_id=synthetic_id,
    )
    layout.remove_after_commit(session, runtime.storage(), layout.folder_of(key))
