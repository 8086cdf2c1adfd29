"""``datasets.ingest``: parse a large upload kept as it came, store it as Parquet, profile it."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any, ClassVar

import pyarrow.parquet as pq
from pydantic import BaseModel

from synthfoundry.config import DatasetSettings
from synthfoundry.datasets.parsing import Limits, parse, sniff
from synthfoundry.datasets.models import Dataset
from synthfoundry.datasets.service import INGEST_KIND, fill
from synthfoundry.errors import SynthfoundryError
from synthfoundry.jobs.context import JobContext
from synthfoundry.jobs.kinds import JobKind, register

COPY_BYTES = 1024 * 1024


class IngestParams(BaseModel):
    dataset_id: uuid.UUID
    file_name: str | None = None


@register
class IngestDataset(JobKind):
    name = INGEST_KIND
    stages: ClassVar[tuple[str, ...]] = ("parse", "store")
    Params = IngestParams

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, IngestParams)
        settings = context.app_settings.datasets if context.app_settings else DatasetSettings()
        limits = Limits(settings.max_columns, settings.max_rows)
        with context.database.unit_of_work() as session:
            dataset = session.get(Dataset, params.dataset_id)
            if dataset is None:
                raise RuntimeError(f"dataset {params.dataset_id} no longer exists")
            session.expunge(dataset)
        folder = dataset.storage_key.rsplit("/", 1)[0] + "/"
        with tempfile.TemporaryDirectory(prefix="synthfoundry-ingest-") as directory:
            with context.stage("parse"):
                path = Path(directory) / "upload"
                with (
                    context.storage.open_read(folder + "upload") as source,
                    open(path, "wb") as sink,
                ):
                    shutil.copyfileobj(source, sink, COPY_BYTES)
                try:
                    ingested = parse(path, sniff(path, params.file_name, limits), limits)
                except SynthfoundryError as error:
                    self._failed(context, params.dataset_id, str(error))
                    raise
            with context.stage("store"):
                with context.storage.open_write(dataset.storage_key) as target:
                    pq.write_table(ingested.table, target)
                with context.database.unit_of_work(write=True) as session:
                    row = session.get(Dataset, dataset.id)
                    if row is not None:
                        fill(row, ingested)
                        rows, columns = row.rows, row.columns
                context.storage.delete(folder + "upload")
        return {"dataset_id": str(dataset.id), "rows": rows, "columns": columns}

    def _failed(self, context: JobContext, dataset_id: uuid.UUID, reason: str) -> None:
        with context.database.unit_of_work(write=True) as session:
            row = session.get(Dataset, dataset_id)
            if row is not None:
                row.status, row.error = "failed", reason

    def cleanup(self, context: JobContext) -> None:
        params = context.params
        assert isinstance(params, IngestParams)
        super().cleanup(context)
        with context.database.unit_of_work(write=True) as session:
            row = session.get(Dataset, params.dataset_id)
            if row is None:
                return
            row.status = "failed"
            row.error = row.error or "ingesting stopped before the file was read"
            key = row.storage_key
        folder = key.rsplit("/", 1)[0] + "/"
        context.storage.delete(folder + "data.parquet")
        context.storage.delete(folder + "upload")
