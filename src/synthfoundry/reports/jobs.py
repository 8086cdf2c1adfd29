"""``reports.evaluate``: load the tables, judge, store the report as JSON and HTML."""

from __future__ import annotations

from typing import Any, ClassVar

import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from synthfoundry.datasets import service as datasets
from synthfoundry.datasets.models import Dataset
from synthfoundry.evaluation import evaluate
from synthfoundry.jobs.context import JobContext
from synthfoundry.jobs.kinds import JobKind, Stage, register
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import Status
from synthfoundry.reports.models import Report
from synthfoundry.reports.schemas import EvaluateParams
from synthfoundry.synthetic_datasets.models import SyntheticDataset
from synthfoundry.tabular.metadata import Metadata


@register
class EvaluateReport(JobKind):
    name = "reports.evaluate"
    stages: ClassVar[tuple[Stage, ...]] = (
        Stage("load", 0.1),
        Stage("evaluate", 0.85),
        Stage("store", 0.05),
    )
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
            real = datasets.read_table(real_row).to_pandas()
            with storage.open_read(synthetic_row.storage_key) as source:
                synthetic = pq.read_table(source).to_pandas()
            holdout = datasets.read_table(holdout_row).to_pandas() if holdout_row else None
        with context.stage("evaluate"):
            metadata = Metadata.model_validate(real_row.column_metadata)

            def progress(
                stage: str, completed: float, total: float | None, unit: str = "", message: str = ""
            ) -> None:
                context.progress(completed, total, unit=unit or "steps", message=stage, step=stage)

            judged = evaluate(real, synthetic, metadata, holdout, report.target, progress=progress)
        with context.stage("store"):
            storage.put(f"{report.files_prefix}report.json", judged.model_dump_json().encode())
            storage.put(f"{report.files_prefix}report.html", judged.to_html().encode())
            summary = judged.summary()
        return {"report_id": str(report.id), **summary}

    def on_outcome(self, session: Session, job: Job) -> None:
        if job.status != Status.SUCCEEDED or job.result is None or job.target_id is None:
            return
        row = session.get(Report, job.target_id)
        if row is not None:
            row.summary = {k: v for k, v in job.result.items() if k != "report_id"}

    def cleanup(self, context: JobContext) -> None:
        params = context.params
        assert isinstance(params, EvaluateParams)
        super().cleanup(context)
        with context.database.unit_of_work() as session:
            row = session.get(Report, params.report_id)
            prefix = row.files_prefix if row is not None else ""
        if prefix:
            context.storage.delete_prefix(prefix)
