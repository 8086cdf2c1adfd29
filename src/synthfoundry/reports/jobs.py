"""``reports.evaluate``: load the tables, judge, store the report as JSON and HTML."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import pyarrow.parquet as pq
from pydantic import BaseModel

from synthfoundry.datasets import service as datasets
from synthfoundry.datasets.models import Dataset
from synthfoundry.evaluation import evaluate
from synthfoundry.jobs.context import JobContext
from synthfoundry.jobs.kinds import JobKind, register
from synthfoundry.reports.models import Report
from synthfoundry.reports.service import EVALUATE_KIND
from synthfoundry.synthetic_datasets.models import SyntheticDataset
from synthfoundry.tabular.metadata import Metadata


class EvaluateParams(BaseModel):
    report_id: uuid.UUID


@register
class EvaluateReport(JobKind):
    name = EVALUATE_KIND
    stages: ClassVar[tuple[str, ...]] = ("load", "evaluate", "store")
    Params = EvaluateParams

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, EvaluateParams)
        storage = context.storage
        with context.stage("load"):
            with context.database.unit_of_work() as session:
                report = session.get(Report, params.report_id)
                if report is None or report.real_dataset_id is None:
                    raise RuntimeError(f"report {params.report_id} or its dataset is gone")
                real_row = session.get(Dataset, report.real_dataset_id)
                synthetic_row = session.get(SyntheticDataset, report.synthetic_dataset_id)
                holdout_row = (
                    session.get(Dataset, report.holdout_dataset_id)
                    if report.holdout_dataset_id
                    else None
                )
                session.expunge_all()
            if real_row is None or synthetic_row is None:
                raise RuntimeError("the real or the synthetic dataset is gone")
            real = datasets.read_table(storage, real_row).to_pandas()
            with storage.open_read(synthetic_row.storage_key) as source:
                synthetic = pq.read_table(source).to_pandas()
            holdout = datasets.read_table(storage, holdout_row).to_pandas() if holdout_row else None
        with context.stage("evaluate"):
            metadata = Metadata.model_validate(real_row.column_metadata)

            def progress(
                stage: str, completed: float, total: float | None, unit: str = "", message: str = ""
            ) -> None:
                context.progress(completed, total, unit=unit or "steps", message=stage)

            judged = evaluate(real, synthetic, metadata, holdout, report.target, progress=progress)
        with context.stage("store"):
            storage.put(f"{report.files_prefix}report.json", judged.model_dump_json().encode())
            storage.put(f"{report.files_prefix}report.html", judged.to_html().encode())
            summary = judged.summary()
            with context.database.unit_of_work(write=True) as session:
                row = session.get(Report, report.id)
                if row is not None:
                    row.status, row.summary = "ready", summary
        return {"report_id": str(report.id), **summary}

    def cleanup(self, context: JobContext) -> None:
        params = context.params
        assert isinstance(params, EvaluateParams)
        super().cleanup(context)
        with context.database.unit_of_work(write=True) as session:
            row = session.get(Report, params.report_id)
            if row is not None:
                row.status = "failed"
                prefix = row.files_prefix
            else:
                prefix = ""
        if prefix:
            context.storage.delete_prefix(prefix)
