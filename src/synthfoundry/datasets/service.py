"""Datasets: upload, read, change, delete, profile and export, each owner seeing only their own."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from synthfoundry import audit, layout, runtime
from synthfoundry.accounts.actor import Actor
from synthfoundry.accounts.ownership import get_visible, list_visible
from synthfoundry.datasets.exports import export_table
from synthfoundry.datasets.models import Dataset
from synthfoundry.datasets.parsing import Ingested, Limits, parse, sniff
from synthfoundry.datasets.schemas import (
    ColumnRead,
    DatasetRead,
    DatasetStatus,
    DatasetUpdate,
    DownloadFormat,
    IngestParams,
)
from synthfoundry.db.pagination import Page
from synthfoundry.errors import InvalidState, PayloadTooLarge
from synthfoundry.jobs import service as jobs
from synthfoundry.tabular.metadata import Metadata

COPY_CHUNK = 1024 * 1024
UPLOAD_NAME = "upload"


def receive(upload: IO[bytes], directory: Path, max_bytes: int) -> Path:
    """Copy an upload to a file of our own, refusing it as soon as it passes ``max_bytes``."""
    path = directory / "upload"
    received = 0
    with open(path, "wb") as target:
        while chunk := upload.read(COPY_CHUNK):
            received += len(chunk)
            if received > max_bytes:
                raise PayloadTooLarge(f"the file exceeds the upload limit of {max_bytes} bytes")
            target.write(chunk)
    return path


def create(
    session: Session,
    actor: Actor,
    upload: IO[bytes],
    file_name: str | None,
    name: str | None = None,
    description: str = "",
) -> Dataset:
    """Store an upload as a dataset. Small files are parsed now (a malformed one answers 4xx
    and leaves nothing); larger ones are checked by their first bytes, kept as uploaded and
    parsed by a ``datasets.ingest`` job, the dataset ``ingesting`` until then."""
    settings, storage = runtime.settings().datasets, runtime.storage()
    limits = Limits(settings.max_columns, settings.max_rows)
    dataset = Dataset(
        owner_id=actor.user_id,
        name=(name or _display_name(file_name) or "dataset")[:200],
        description=description,
        file_name=_display_name(file_name),
        storage_key="",
        column_overrides={},
    )
    with tempfile.TemporaryDirectory(prefix="synthfoundry-upload-") as directory:
        path = receive(upload, Path(directory), settings.max_upload_bytes)
        dataset.size_bytes = path.stat().st_size
        sniffed = sniff(path, file_name, limits)
        dataset.source_format = sniffed.file_format.value
        dataset.compressed = sniffed.compressed
        later = dataset.size_bytes > settings.ingest_job_bytes
        ingested = None if later else parse(path, sniffed, limits)
        if ingested is not None:
            fill(dataset, ingested.table.num_rows, ingested.table.num_columns, profile(ingested))
        else:
            dataset.rows, dataset.columns = 0, 0
            dataset.column_metadata = {"columns": []}
        session.add(dataset)
        session.flush()  # assigns the id the storage keys are made of
        folder = layout.object_folder(layout.DATASETS, dataset.owner_id, dataset.id)
        dataset.storage_key = folder + "data.parquet"
        layout.remove_on_rollback(session, storage, folder)
        if ingested is None:
            with open(path, "rb") as source:
                storage.put(folder + UPLOAD_NAME, source)
    if ingested is not None:
        with storage.open_write(dataset.storage_key) as target:
            pq.write_table(ingested.table, target)
    else:
        params = IngestParams(dataset_id=dataset.id, file_name=file_name)
        dataset.ingest_job_id = jobs.submit(session, actor, params, target=dataset).id
    audit.record(
        session,
        actor.audit,
        "dataset.create",
        target_type="dataset",
        target_id=dataset.id,
        details={"rows": dataset.rows, "columns": dataset.columns, "bytes": dataset.size_bytes},
    )
    session.flush()
    return dataset


def profile(ingested: Ingested) -> dict[str, Any]:
    """The column kinds of a parsed upload, as stored on the dataset."""
    return Metadata.detect(ingested.table.to_pandas()).model_dump(mode="json")


def fill(dataset: Dataset, rows: int, columns: int, column_metadata: dict[str, Any]) -> None:
    dataset.rows, dataset.columns, dataset.column_metadata = rows, columns, column_metadata


def require_ready(dataset: Dataset) -> Dataset:
    if dataset.status != DatasetStatus.READY:
        detail = f": {dataset.error}" if dataset.error else ""
        raise InvalidState(f"dataset {dataset.id} is {dataset.status}{detail}")
    return dataset


def _display_name(file_name: str | None) -> str:
    """The uploader's file name for display only: no folders, controls or direction marks."""
    base = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c.isprintable() and c not in "\u202a\u202b\u202d\u202e")[:255]


def to_read(dataset: Dataset) -> DatasetRead:
    metadata = Metadata.model_validate(dataset.column_metadata)
    return DatasetRead(
        id=dataset.id,
        owner_id=dataset.owner_id,
        name=dataset.name,
        description=dataset.description,
        file_name=dataset.file_name,
        source_format=dataset.source_format,
        compressed=dataset.compressed,
        size_bytes=dataset.size_bytes,
        rows=dataset.rows,
        columns=dataset.columns,
        column_overrides=dataset.column_overrides,
        column_schema=[
            ColumnRead(name=c.name, kind=c.kind, nullable=c.nullable) for c in metadata.columns
        ],
        status=dataset.status,
        error=dataset.error,
        ingest_job_id=dataset.ingest_job_id,
        created_at=dataset.created_at,
        updated_at=dataset.updated_at,
    )


def list_page(
    session: Session, actor: Actor, *, all_owners: bool, limit: int, cursor: str | None
) -> Page[Dataset]:
    return list_visible(
        session, Dataset, actor.principal, all_owners=all_owners, limit=limit, cursor=cursor
    )


def get_owned(session: Session, actor: Actor, dataset_id: uuid.UUID) -> Dataset:
    return get_visible(session, Dataset, actor.principal, dataset_id, "dataset")


def update(session: Session, actor: Actor, dataset_id: uuid.UUID, change: DatasetUpdate) -> Dataset:
    dataset = get_owned(session, actor, dataset_id)
    if change.name is not None:
        dataset.name = change.name
    if change.description is not None:
        dataset.description = change.description
    if change.column_overrides is not None:
        frame = read_table(dataset).to_pandas()
        overridden = Metadata.detect(frame).with_overrides(dict(change.column_overrides), frame)
        dataset.column_metadata = overridden.model_dump(mode="json")
        dataset.column_overrides = {k: v.value for k, v in change.column_overrides.items()}
    audit.record(
        session,
        actor.audit,
        "dataset.update",
        target_type="dataset",
        target_id=dataset.id,
        details=change.model_dump(mode="json", exclude_none=True),
    )
    return dataset


def delete(session: Session, actor: Actor, dataset_id: uuid.UUID) -> None:
    """Delete a dataset and its files; refused while a job works on it or on anything that
    uses it (a generator trained from it)."""
    dataset = get_owned(session, actor, dataset_id)
    for target in (dataset.id, *dependants(session, dataset.id)):
        if (busy := jobs.active_job_for(session, target)) is not None:
            raise InvalidState(f"dataset {dataset.id} is in use by job {busy}; wait or cancel it")
    folder = layout.folder_of(dataset.storage_key)
    session.delete(dataset)
    audit.record(
        session, actor.audit, "dataset.delete", target_type="dataset", target_id=dataset_id
    )
    layout.remove_after_commit(session, runtime.storage(), folder)


def dependants(session: Session, dataset_id: uuid.UUID) -> list[uuid.UUID]:
    """Ids of the rows that point at the dataset (found through the foreign keys to
    ``datasets``, so that this package names none of the packages that use it)."""
    found: list[uuid.UUID] = []
    for table in Dataset.metadata.sorted_tables:
        if table.name == Dataset.__tablename__ or "owner_id" not in table.c:
            continue
        for key in table.foreign_keys:
            if key.column.table.name == Dataset.__tablename__:
                found.extend(session.scalars(select(table.c.id).where(key.parent == dataset_id)))
    return found


def read_table(dataset: Dataset) -> pa.Table:
    require_ready(dataset)
    with runtime.storage().open_read(dataset.storage_key) as source:
        return pq.read_table(source)


def preview(dataset: Dataset, limit: int) -> dict[str, Any]:
    require_ready(dataset)
    with runtime.storage().open_read(dataset.storage_key) as source:
        parquet = pq.ParquetFile(source)
        batches = parquet.iter_batches(batch_size=limit)
        first = next(batches, None)
        names = parquet.schema_arrow.names
    rows = first.to_pylist() if first is not None else []
    return {"columns": names, "rows": rows[:limit]}


def export(dataset: Dataset, file_format: DownloadFormat) -> Iterator[bytes]:
    """The dataset as a download in ``file_format``."""
    require_ready(dataset)
    return export_table(runtime.storage(), dataset.storage_key, dataset.name, file_format)
