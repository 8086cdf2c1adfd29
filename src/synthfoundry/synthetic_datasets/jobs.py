"""``synthetic.generate``: rows from a trained generator, in chunks straight to a Parquet file in
storage, so that memory stays flat whatever the size."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, cast

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from synthfoundry import layout, runtime
from synthfoundry.datasets import service as datasets
from synthfoundry.datasets.models import Dataset
from synthfoundry.errors import InvalidInput
from synthfoundry.evaluation import evaluate
from synthfoundry.generators import artifacts
from synthfoundry.generators.models import Generator
from synthfoundry.jobs.context import JobContext
from synthfoundry.jobs.kinds import JobKind, Stage, register
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import Status
from synthfoundry.synthesizers.base import Modality
from synthfoundry.synthetic_datasets.models import SyntheticDataset
from synthfoundry.synthetic_datasets.schemas import GenerateParams
from synthfoundry.tabular.base import TabularSynthesizer
from synthfoundry.tabular.metadata import Metadata

CHUNK_ROWS = 50_000
REPORT_ROWS = 5000


def _as_condition(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}


def chunks(
    synthesizer: TabularSynthesizer,
    synthetic: SyntheticDataset,
    chunk_rows: int = CHUNK_ROWS,
    known: pd.DataFrame | None = None,
) -> Iterator[pa.Table]:
    """The requested rows in chunks, each chunk seeded from the request's seed; with ``known``
    partial rows, those rows completed."""
    seed = synthetic.seed if synthetic.seed is not None else 0
    if known is not None:
        for number, start in enumerate(range(0, len(known), chunk_rows)):
            part = known.iloc[start : start + chunk_rows]
            yield _arrow(synthesizer.sample_remaining_columns(part, seed=seed * 1_000_003 + number))
        return
    groups: list[tuple[int, dict[str, Any] | None]]
    if isinstance(synthetic.conditions, list):
        groups = [
            (int(c["count"]), _as_condition({k: v for k, v in c.items() if k != "count"}))
            for c in synthetic.conditions
        ]
    else:
        conditions = _as_condition(synthetic.conditions) if synthetic.conditions else None
        groups = [(synthetic.size, conditions)]
    number = 0
    for count, conditions in groups:
        for start in range(0, count, chunk_rows):
            rows = min(chunk_rows, count - start)
            chunk_seed = seed * 1_000_003 + number
            number += 1
            if synthetic.rebalance:
                shares = synthetic.rebalance["shares"]
                yield _arrow(
                    synthesizer.rebalance(
                        rows, synthetic.rebalance["column"], shares, seed=chunk_seed
                    )
                )
            elif conditions:
                yield _arrow(synthesizer.sample(rows, conditions=conditions, seed=chunk_seed))
            else:
                # The same rows as sample(), kept in Arrow from the model to the file where the
                # model can (the default model does: no pandas round trip per chunk).
                yield synthesizer.sample_arrow(rows, seed=chunk_seed)


def _arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


@register
class GenerateSyntheticDataset(JobKind):
    name = "synthetic.generate"
    stages: ClassVar[tuple[Stage, ...]] = (
        Stage("load", 0.05),
        Stage("generate", 0.8),
        Stage("report", 0.15),
    )
    Params = GenerateParams

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, GenerateParams)
        with context.stage("load"):
            synthetic, generator, dataset = self._rows(context, params.synthetic_dataset_id)
            model_key = generator.model_key
            if model_key is None:
                raise RuntimeError(f"generator {generator.id} has no trained model")
        with (
            tempfile.TemporaryDirectory(prefix="synthfoundry-generate-") as directory,
            artifacts.loaded(context.storage, model_key) as loaded,
        ):
            if loaded.capabilities.modality != Modality.TABULAR:
                raise InvalidInput(f"{loaded.name} does not make rows", field="generator_id")
            synthesizer = cast(TabularSynthesizer, loaded)
            path = Path(directory) / "data.parquet"
            with context.stage("generate"):
                known = None
                if params.known_rows_key is not None:
                    with context.storage.open_read(params.known_rows_key) as source:
                        known = pq.read_table(source).to_pandas()
                written = self._write(context, synthesizer, synthetic, path, known)
                with path.open("rb") as source:
                    context.storage.put(synthetic.storage_key, source)
                size_bytes = path.stat().st_size
            report = None
            with context.stage("report"):
                if synthetic.with_report and dataset is not None:
                    real = datasets.read_table(dataset).to_pandas()
                    real = real.sample(min(len(real), REPORT_ROWS), random_state=0)
                    made = pq.read_table(path).to_pandas()
                    made = made.sample(min(len(made), REPORT_ROWS), random_state=0)
                    metadata = Metadata.model_validate(dataset.column_metadata)
                    judged = evaluate(real, made, metadata)
                    report = {
                        "fidelity": judged.fidelity.score,
                        "column_shapes": judged.fidelity.column_shapes,
                        "column_pair_trends": judged.fidelity.column_pair_trends,
                        "validity": judged.validity.score if judged.validity else None,
                    }
        return {
            "synthetic_dataset_id": str(synthetic.id),
            "rows": written,
            "size_bytes": size_bytes,
            "report": report,
        }

    def on_outcome(self, session: Session, job: Job) -> None:
        """Rows and report onto the synthetic dataset; partial rows given to complete are the
        caller's data, kept only until the job is over."""
        if known_key := job.params.get("known_rows_key"):
            layout.remove_after_commit(session, runtime.storage(), known_key)
        if job.status != Status.SUCCEEDED or job.result is None or job.target_id is None:
            return
        row = session.get(SyntheticDataset, job.target_id)
        if row is not None:
            row.rows, row.size_bytes = job.result["rows"], job.result["size_bytes"]
            row.report = job.result["report"]

    def _write(
        self,
        context: JobContext,
        synthesizer: TabularSynthesizer,
        synthetic: SyntheticDataset,
        path: Path,
        known: pd.DataFrame | None,
    ) -> int:
        writer: pq.ParquetWriter | None = None
        written = 0
        try:
            for table in chunks(synthesizer, synthetic, known=known):
                context.check()
                writer = writer or pq.ParquetWriter(path, table.schema)
                writer.write_table(table.cast(writer.schema))
                written += table.num_rows
                context.progress(written, synthetic.size, unit="rows", step="sample")
        finally:
            if writer is not None:
                writer.close()
        return written

    def _rows(
        self, context: JobContext, synthetic_id: uuid.UUID
    ) -> tuple[SyntheticDataset, Generator, Dataset | None]:
        with context.database.unit_of_work() as session:
            synthetic = session.get(SyntheticDataset, synthetic_id)
            if synthetic is None or synthetic.generator_id is None:
                raise RuntimeError(f"synthetic dataset {synthetic_id} or its generator is gone")
            generator = session.get(Generator, synthetic.generator_id)
            if generator is None:
                raise RuntimeError(f"generator {synthetic.generator_id} is gone")
            dataset = session.get(Dataset, generator.dataset_id) if generator.dataset_id else None
            session.expunge_all()
        return synthetic, generator, dataset

    def cleanup(self, context: JobContext) -> None:
        params = context.params
        assert isinstance(params, GenerateParams)
        super().cleanup(context)
        with context.database.unit_of_work() as session:
            row = session.get(SyntheticDataset, params.synthetic_dataset_id)
            key = row.storage_key if row is not None else None
        if key:
            context.storage.delete(key)
