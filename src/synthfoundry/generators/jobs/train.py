"""``generators.train``: fit a generator's synthesizer on its dataset, store the model and a
training report. A pause checkpoints neural models; the next attempt resumes from there."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel

from synthfoundry.datasets import service as datasets
from synthfoundry.datasets.models import Dataset
from synthfoundry.db.base import utcnow
from synthfoundry.evaluation import evaluate
from synthfoundry.generators import artifacts
from synthfoundry.generators.models import Generator
from synthfoundry.generators.service import TRAIN_KIND, model_prefix
from synthfoundry.jobs.context import JobContext, StopRequested
from synthfoundry.jobs.kinds import JobKind, register
from synthfoundry.synthesizers.base import StopTraining
from synthfoundry.synthesizers.registry import synthesizer_class
from synthfoundry.tabular.base import TabularSynthesizer
from synthfoundry.tabular.metadata import Metadata

REPORT_ROWS = 5000


class TrainParams(BaseModel):
    generator_id: uuid.UUID


def load_generator(context: JobContext, generator_id: uuid.UUID) -> tuple[Generator, Dataset]:
    """A generator and its dataset, detached from the session, or an error if either is gone."""
    with context.database.unit_of_work() as session:
        generator = session.get(Generator, generator_id)
        if generator is None or generator.dataset_id is None:
            raise RuntimeError(f"generator {generator_id} or its dataset no longer exists")
        dataset = session.get(Dataset, generator.dataset_id)
        if dataset is None:
            raise RuntimeError(f"dataset {generator.dataset_id} no longer exists")
        session.expunge_all()
    return generator, dataset


@register
class TrainGenerator(JobKind):
    name = TRAIN_KIND
    stages: ClassVar[tuple[str, ...]] = ("load", "analyse", "encode", "train", "report")
    Params = TrainParams

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, TrainParams)
        with context.stage("load"):
            generator, dataset = load_generator(context, params.generator_id)
            frame = datasets.read_table(context.storage, dataset).to_pandas()
            context.log(f"{len(frame)} rows, {frame.shape[1]} columns")
        with context.stage("analyse"):
            metadata = Metadata.model_validate(dataset.column_metadata)
            if generator.column_overrides:
                metadata = metadata.with_overrides(dict(generator.column_overrides), frame)
        with context.stage("encode"):
            settings = {**generator.params}
            cls = synthesizer_class(generator.synthesizer)
            if "threads" in cls.Params.model_fields and settings.get("threads") is None:
                settings["threads"] = context.settings.torch_threads
            synthesizer = cls(settings)
            assert isinstance(synthesizer, TabularSynthesizer)
        with tempfile.TemporaryDirectory(prefix="synthfoundry-train-") as directory:
            work = Path(directory)
            checkpoints = f"{context.files_prefix}/checkpoint/"
            artifacts.download_folder(context.storage, checkpoints, work / "checkpoint")
            with context.stage("train"):
                self._fit(context, synthesizer, frame, metadata, work, checkpoints)
            with context.stage("report"):
                sample = frame.sample(min(len(frame), REPORT_ROWS), random_state=0)
                synthetic = synthesizer.sample(len(sample), seed=0)
                report = evaluate(sample, synthetic, metadata)
                synthesizer.save(work / "model")
                prefix = model_prefix(generator)
                context.storage.delete_prefix(prefix)
                artifacts.upload_folder(context.storage, work / "model", prefix)
        summary = {
            "fidelity": report.fidelity.score,
            "column_shapes": report.fidelity.column_shapes,
            "column_pair_trends": report.fidelity.column_pair_trends,
            "rows_compared": len(sample),
        }
        with context.database.unit_of_work(write=True) as session:
            row = session.get(Generator, generator.id)
            if row is not None:
                row.status, row.model_key, row.training_report = "ready", prefix, summary
                row.trained_rows, row.trained_at = len(frame), utcnow()
        context.storage.delete_prefix(checkpoints)
        return {"generator_id": str(generator.id), **summary}

    def _fit(
        self,
        context: JobContext,
        synthesizer: TabularSynthesizer,
        frame: Any,
        metadata: Metadata,
        work: Path,
        checkpoints: str,
    ) -> None:
        def stop() -> str | None:
            try:
                context.check()
            except StopRequested as stopped:
                # A worker shutting down also keeps what was learned.
                return "pause" if stopped.reason in ("pause", "shutdown") else stopped.reason
            return None

        def progress(
            stage: str, completed: float, total: float | None, unit: str = "", message: str = ""
        ) -> None:
            context.progress(completed, total, unit=unit or "steps", message=message)

        try:
            synthesizer.fit(
                frame, metadata, progress=progress, stop=stop, checkpoint_dir=work / "checkpoint"
            )
        except StopTraining as stopped:
            if (work / "checkpoint").exists():
                context.storage.delete_prefix(checkpoints)
                artifacts.upload_folder(context.storage, work / "checkpoint", checkpoints)
            context.check()  # raises the job's own stop (pause, cancel, shutdown)
            raise StopRequested(stopped.reason) from None

    def cleanup(self, context: JobContext) -> None:
        params = context.params
        assert isinstance(params, TrainParams)
        super().cleanup(context)
        with context.database.unit_of_work(write=True) as session:
            row = session.get(Generator, params.generator_id)
            if row is not None and row.status == "training":
                row.status = "ready" if row.model_key else "new"
