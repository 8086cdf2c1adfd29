"""``datasets.ingest``: parse a large upload kept as it came, store it as Parquet, profile it; the
outcome hook gives the dataset its shape and column kinds, or the reason it failed."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar

import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from synthfoundry import layout
from synthfoundry.config import DatasetSettings
from synthfoundry.datasets.models import Dataset
from synthfoundry.datasets.parsing import Limits, parse, sniff
from synthfoundry.datasets.schemas import IngestParams
from synthfoundry.datasets.service import UPLOAD_NAME, fill, profile
from synthfoundry.jobs.context import JobContext
from synthfoundry.jobs.kinds import JobKind, Stage, register
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import Status

COPY_BYTES = 1024 * 1024
STOPPED = "ingesting stopped before the file was read"


@register
class IngestDataset(JobKind):
    name = "datasets.ingest"
    stages: ClassVar[tuple[Stage, ...]] = (Stage("parse", 0.8), Stage("store", 0.2))
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
        folder = layout.folder_of(dataset.storage_key)
        with tempfile.TemporaryDirectory(prefix="synthfoundry-ingest-") as directory:
            with context.stage("parse"):
                path = Path(directory) / UPLOAD_NAME
                with (
                    context.storage.open_read(folder + UPLOAD_NAME) as source,
                    open(path, "wb") as sink,
                ):
                    shutil.copyfileobj(source, sink, COPY_BYTES)
                ingested = parse(path, sniff(path, params.file_name, limits), limits)
            with context.stage("store"):
                with context.storage.open_write(dataset.storage_key) as target:
                    pq.write_table(ingested.table, target)
                context.storage.delete(folder + UPLOAD_NAME)
        return {
            "dataset_id": str(dataset.id),
            "rows": ingested.table.num_rows,
            "columns": ingested.table.num_columns,
            "column_metadata": profile(ingested),
        }

    def on_outcome(self, session: Session, job: Job) -> None:
        row = session.get(Dataset, job.target_id) if job.target_id is not None else None
        if row is None:
            return
        if job.status == Status.SUCCEEDED and job.result is not None:
            result = dict(job.result)
            fill(row, result["rows"], result["columns"], result.pop("column_metadata"))
            job.result = result  # the column kinds live on the dataset, not twice
            return
        row.error = _reason(job) if job.status == Status.FAILED else STOPPED

    def cleanup(self, context: JobContext) -> None:
        params = context.params
        assert isinstance(params, IngestParams)
        super().cleanup(context)
        with context.database.unit_of_work() as session:
            row = session.get(Dataset, params.dataset_id)
            key = row.storage_key if row is not None else None
        if key is not None:
            context.storage.delete(key)
            context.storage.delete(layout.folder_of(key) + UPLOAD_NAME)


def _reason(job: Job) -> str:
    """The parser's own words, without the exception's class name the job log keeps."""
    message = job.error_message or "ingesting failed"
    if job.error_code != "job_error" and ": " in message:
        return message.split(": ", 1)[1]
    return message
