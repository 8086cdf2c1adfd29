"""Datasets: upload, read, change, delete, profile and export, each owner seeing only their own."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from synthfoundry import audit
from synthfoundry.accounts.ownership import get_visible, list_visible
from synthfoundry.accounts.principal import Principal
from synthfoundry.audit.service import AuditContext
from synthfoundry.config import DatasetSettings, JobsSettings
from synthfoundry.datasets.parsing import Ingested, Limits, parse, sniff
from synthfoundry.datasets.models import Dataset
from synthfoundry.datasets.schemas import ColumnRead, DatasetRead, DatasetUpdate, DownloadFormat
from synthfoundry.db.engine import after_commit
from synthfoundry.db.pagination import Page
from synthfoundry.errors import InvalidInput, InvalidState, PayloadTooLarge
from synthfoundry.exports import neutralise_formula
from synthfoundry.generators.models import Generator
from synthfoundry.jobs import service as jobs
from synthfoundry.storage import BlobStore
from synthfoundry.tabular.metadata import Metadata

COPY_CHUNK = 1024 * 1024
INGEST_KIND = "datasets.ingest"
EXPORT_BATCH_ROWS = 50_000


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
    context: AuditContext,
    principal: Principal,
    storage: BlobStore,
    upload: IO[bytes],
    file_name: str | None,
    settings: DatasetSettings,
    jobs_settings: JobsSettings,
    name: str | None = None,
    description: str = "",
) -> Dataset:
    """Store an upload as a dataset. Small files are parsed now (a malformed one answers 4xx
    and leaves nothing); larger ones are checked by their first bytes, kept as uploaded and
    parsed by a ``datasets.ingest`` job, the dataset ``ingesting`` until then."""
    limits = Limits(settings.max_columns, settings.max_rows)
    dataset = Dataset(
        owner_id=principal.user_id,
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
            fill(dataset, ingested)
        else:
            dataset.status, dataset.rows, dataset.columns = "ingesting", 0, 0
            dataset.column_metadata = {"columns": []}
        session.add(dataset)
        session.flush()  # assigns the id the storage keys are made of
        folder = f"datasets/{dataset.owner_id}/{dataset.id}/"
        dataset.storage_key = folder + "data.parquet"
        if ingested is None:
            with open(path, "rb") as source:
                storage.put(folder + "upload", source)
    try:
        if ingested is not None:
            with storage.open_write(dataset.storage_key) as target:
                pq.write_table(ingested.table, target)
        else:
            job = jobs.create(
                session,
                context,
                principal,
                jobs_settings,
                INGEST_KIND,
                {"dataset_id": str(dataset.id), "file_name": file_name},
                target_type="dataset",
                target_id=dataset.id,
            )
            dataset.ingest_job_id = job.id
        audit.record(
            session,
            context,
            "dataset.create",
            target_type="dataset",
            target_id=dataset.id,
            details={"rows": dataset.rows, "columns": dataset.columns, "bytes": dataset.size_bytes},
        )
        session.flush()
    except BaseException:
        storage.delete_prefix(folder)
        raise
    return dataset


def fill(dataset: Dataset, ingested: Ingested) -> None:
    """Shape and column kinds of a parsed upload."""
    dataset.rows = ingested.table.num_rows
    dataset.columns = ingested.table.num_columns
    dataset.column_metadata = Metadata.detect(ingested.table.to_pandas()).model_dump(mode="json")
    dataset.status = "ready"


def require_ready(dataset: Dataset) -> Dataset:
    if dataset.status != "ready":
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
    session: Session, principal: Principal, *, all_owners: bool, limit: int, cursor: str | None
) -> Page[Dataset]:
    return list_visible(
        session, Dataset, principal, all_owners=all_owners, limit=limit, cursor=cursor
    )


def get_owned(session: Session, principal: Principal, dataset_id: uuid.UUID) -> Dataset:
    return get_visible(session, Dataset, principal, dataset_id, "dataset")


def update(
    session: Session,
    context: AuditContext,
    principal: Principal,
    storage: BlobStore,
    dataset_id: uuid.UUID,
    change: DatasetUpdate,
) -> Dataset:
    dataset = get_owned(session, principal, dataset_id)
    if change.name is not None:
        dataset.name = change.name
    if change.description is not None:
        dataset.description = change.description
    if change.column_overrides is not None:
        frame = read_table(storage, dataset).to_pandas()
        overridden = Metadata.detect(frame).with_overrides(dict(change.column_overrides), frame)
        dataset.column_metadata = overridden.model_dump(mode="json")
        dataset.column_overrides = {k: v.value for k, v in change.column_overrides.items()}
    audit.record(
        session,
        context,
        "dataset.update",
        target_type="dataset",
        target_id=dataset.id,
        details=change.model_dump(mode="json", exclude_none=True),
    )
    return dataset


def delete(
    session: Session,
    context: AuditContext,
    principal: Principal,
    storage: BlobStore,
    dataset_id: uuid.UUID,
) -> None:
    dataset = get_owned(session, principal, dataset_id)
    # Jobs on the dataset itself, or on generators trained from it.
    generator_ids = session.scalars(select(Generator.id).where(Generator.dataset_id == dataset.id))
    for target in (dataset.id, *generator_ids):
        if (busy := jobs.active_job_for(session, target)) is not None:
            raise InvalidState(f"dataset {dataset.id} is in use by job {busy}; wait or cancel it")
    key = dataset.storage_key
    session.delete(dataset)
    audit.record(session, context, "dataset.delete", target_type="dataset", target_id=dataset_id)
    folder = key.rsplit("/", 1)[0] + "/"

    def remove_files() -> None:
        storage.delete_prefix(folder)

    after_commit(session, remove_files)


def read_table(storage: BlobStore, dataset: Dataset) -> pa.Table:
    require_ready(dataset)
    with storage.open_read(dataset.storage_key) as source:
        return pq.read_table(source)


def preview(storage: BlobStore, dataset: Dataset, limit: int) -> dict[str, Any]:
    require_ready(dataset)
    with storage.open_read(dataset.storage_key) as source:
        parquet = pq.ParquetFile(source)
        batches = parquet.iter_batches(batch_size=limit)
        first = next(batches, None)
        names = parquet.schema_arrow.names
    rows = first.to_pylist() if first is not None else []
    return {"columns": names, "rows": rows[:limit]}


def export(storage: BlobStore, dataset: Dataset, file_format: DownloadFormat) -> Iterator[bytes]:
    require_ready(dataset)
    return export_table(storage, dataset.storage_key, dataset.name, file_format)


def export_table(
    storage: BlobStore, key: str, name: str, file_format: DownloadFormat
) -> Iterator[bytes]:
    """A stored Parquet table as ``file_format``, in chunks; CSV cells that a spreadsheet would
    run as a formula are neutralised."""
    if file_format == "parquet":
        yield from storage.iter_chunks(key)
        return
    if file_format == "zip":
        yield _zipped_csv(storage, key, name)
        return
    with storage.open_read(key) as source:
        parquet = pq.ParquetFile(source)
        first = True
        if file_format == "json":
            yield b"["
        for batch in parquet.iter_batches(batch_size=EXPORT_BATCH_ROWS):
            if file_format == "csv":
                yield _csv_chunk(batch, header=first)
            else:
                text = ",".join(json.dumps(row, default=str) for row in batch.to_pylist())
                yield ((b"" if first else b",") + text.encode()) if text else b""
            first = False
        if file_format == "json":
            yield b"]"


def _csv_chunk(batch: pa.RecordBatch, header: bool) -> bytes:
    columns = []
    for column in batch.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            values = [None if v is None else neutralise_formula(v) for v in column.to_pylist()]
            column = pa.array(values, type=pa.string())
        columns.append(column)
    safe = pa.RecordBatch.from_arrays(columns, names=batch.schema.names)
    sink = io.BytesIO()
    if header:  # pyarrow quotes every header name; spreadsheets and people expect plain ones
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerow(
            [neutralise_formula(str(name)) for name in batch.schema.names]
        )
        sink.write(text.getvalue().encode())
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    pa_csv.write_csv(safe, sink, write_options=options)
    return sink.getvalue()


def _zipped_csv(storage: BlobStore, key: str, name: str) -> bytes:
    sink = io.BytesIO()
    with (
        zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(f"{safe_stem(name)}.csv", "w") as member,
    ):
        for chunk in export_table(storage, key, name, "csv"):
            member.write(chunk)
    return sink.getvalue()


def safe_stem(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:100] or "dataset"


def check_format(value: str) -> DownloadFormat:
    if value not in ("csv", "json", "parquet", "zip"):
        raise InvalidInput("format must be csv, json, parquet or zip", field="format")
    return value  # type: ignore[return-value]
