"""``generators.train``: fit a generator's synthesizer on its dataset, store the model and a
training report. Neural models checkpoint as they train (and on a pause), each checkpoint written
through to the job's storage; the next attempt, after a pause or a lost worker, resumes there."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from synthfoundry import layout, runtime
from synthfoundry.datasets import service as datasets
from synthfoundry.datasets.models import Dataset
from synthfoundry.db.base import utcnow
from synthfoundry.evaluation import evaluate
from synthfoundry.generators import artifacts
from synthfoundry.generators.jobs.params import TrainParams
from synthfoundry.generators.models import Generator
from synthfoundry.jobs.context import JobContext, StopRequested
from synthfoundry.jobs.kinds import JobKind, Stage, register
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import Status
from synthfoundry.synthesizers.base import StopTraining, Synthesizer
from synthfoundry.synthesizers.registry import synthesizer_class
from synthfoundry.tabular.metadata import Metadata

REPORT_ROWS = 5000


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
    name = "generators.train"
    # Weighted by where the time goes, so the bar is not far along before the first epoch.
    stages: ClassVar[tuple[Stage, ...]] = (
        Stage("load", 0.04),
        Stage("analyse", 0.01),
        Stage("encode", 0.01),
        Stage("train", 0.86),
        Stage("report", 0.08),
    )
    Params = TrainParams

    def queue_for(self, params: BaseModel) -> str:
        assert isinstance(params, TrainParams)
        return params.queue

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, TrainParams)
        with context.stage("load"):
            generator, dataset = load_generator(context, params.generator_id)
            frame = datasets.read_table(dataset).to_pandas()
            context.log(f"{len(frame)} rows, {frame.shape[1]} columns")
        with context.stage("analyse"):
            metadata = Metadata.model_validate(dataset.column_metadata)
            if generator.column_overrides:
                metadata = metadata.with_overrides(dict(generator.column_overrides), frame)
        with context.stage("encode"):
            cls = synthesizer_class(generator.synthesizer)
            # Stored before this version: a parameter since renamed or removed is left out.
            settings = cls.stored_params(generator.params)
            if dropped := sorted(set(generator.params) - set(settings)):
                context.log(f"stored parameters no longer known, left out: {', '.join(dropped)}")
            if "threads" in cls.Params.model_fields and settings.get("threads") is None:
                settings["threads"] = context.settings.torch_threads
            synthesizer = cls(settings)
        with context.work_dir() as work, context.checkpoint_folder() as checkpoint:
            with context.stage("train"):
                self._fit(context, synthesizer, frame, metadata, checkpoint)
            with context.stage("report"):
                sample = frame.sample(min(len(frame), REPORT_ROWS), random_state=0)
                synthetic = synthesizer.sample(synthesizer.SampleRequest(rows=len(sample), seed=0))
                report = evaluate(sample, synthetic, metadata)
                synthesizer.save(work / "model")
                prefix = layout.generator_model(generator.owner_id, generator.id, context.job_id)
                artifacts.upload_folder(context.storage, work / "model", prefix)
        summary = {
            "fidelity": report.fidelity.score,
            "column_shapes": report.fidelity.column_shapes,
            "column_pair_trends": report.fidelity.column_pair_trends,
            "rows_compared": len(sample),
            # seconds, and for neural models epochs, final losses and a thinned loss curve
            "training": synthesizer.training_summary(),
        }
        context.discard_checkpoint()
        return {
            "generator_id": str(generator.id),
            **summary,
            "model_key": prefix,
            "trained_rows": len(frame),
        }

    def on_outcome(self, session: Session, job: Job) -> None:
        """A trained model becomes the generator's; a failed or cancelled training leaves the
        generator as it was."""
        if job.status != Status.SUCCEEDED or job.result is None or job.target_id is None:
            return
        row = session.get(Generator, job.target_id)
        if row is None:
            return
        result = dict(job.result)
        replaced, row.model_key = row.model_key, result.pop("model_key")
        if replaced and replaced != row.model_key:
            layout.remove_after_commit(session, runtime.storage(), replaced)
        row.trained_rows = result.pop("trained_rows")
        result.pop("generator_id", None)
        row.training_report, row.trained_at = result, job.finished_at or utcnow()

    def cleanup(self, context: JobContext) -> None:
        """Also remove the model this attempt may have stored before it failed."""
        super().cleanup(context)
        params = context.params
        assert isinstance(params, TrainParams)
        with context.database.unit_of_work() as session:
            row = session.get(Generator, params.generator_id)
            owner_id = row.owner_id if row is not None else None
        if owner_id is not None:
            prefix = layout.generator_model(owner_id, params.generator_id, context.job_id)
            context.storage.delete_prefix(prefix)

    def _fit(
        self,
        context: JobContext,
        synthesizer: Synthesizer,
        frame: Any,
        metadata: Metadata,
        checkpoint: Path,
    ) -> None:
        def stop() -> str | None:
            try:
                context.check()
            except StopRequested as stopped:
                # A worker shutting down also keeps what was learned.
                return "pause" if stopped.reason in ("pause", "shutdown") else stopped.reason
            return None

        trained: str | None = None

        def progress(
            stage: str, completed: float, total: float | None, unit: str = "", message: str = ""
        ) -> None:
            nonlocal trained
            if stage == "train":
                trained = f"{completed:g} {unit or 'steps'}"
            context.progress(completed, total, unit=unit or "steps", message=message, step=stage)

        def on_checkpoint() -> None:
            # Written through at once: a worker killed outright resumes from here.
            context.commit_checkpoint(note=trained)

        try:
            synthesizer.fit(
                frame,
                metadata,
                progress=progress,
                stop=stop,
                checkpoint_dir=checkpoint,
                on_checkpoint=on_checkpoint,
            )
        except StopTraining as stopped:
            context.check()  # raises the job's own stop (pause, cancel, shutdown)
            raise StopRequested(stopped.reason) from None
