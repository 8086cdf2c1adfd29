"""``workflows.run``: a stage per step; each job-backed step (train, generate, evaluate) is a child
job, which the run sees through (running it itself if no worker took it). Finished steps'
outputs are kept on the run, so a resumed run starts at the step it was in (and a paused
training continues from its checkpoint). Every change is also sent as a ``workflow_update``
event on the run's job."""

from __future__ import annotations

import contextlib
import time
import uuid
from typing import Any, ClassVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from synthfoundry import runtime
from synthfoundry.accounts.actor import Actor
from synthfoundry.errors import SynthfoundryError
from synthfoundry.generators import service as generators
from synthfoundry.generators.schemas import GeneratorCreate
from synthfoundry.image_datasets import service as image_datasets
from synthfoundry.image_datasets.schemas import CollectCreate, ImageDatasetCreate
from synthfoundry.jobs import records
from synthfoundry.jobs.children import see_through
from synthfoundry.jobs.context import JobContext
from synthfoundry.jobs.kinds import JobKind, Stage, register
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import Status
from synthfoundry.reports import service as reports
from synthfoundry.reports.schemas import ReportCreate
from synthfoundry.synthetic_datasets import service as synthetic_datasets
from synthfoundry.synthetic_datasets.schemas import SyntheticDatasetCreate
from synthfoundry.videos import service as videos
from synthfoundry.videos.models import Video
from synthfoundry.videos.schemas import ProductVideoCreate
from synthfoundry.workflows.checks import run_checks
from synthfoundry.workflows.models import STATUS_OF_JOB, Workflow
from synthfoundry.workflows.schemas import RunParams
from synthfoundry.workflows.service import write_export
from synthfoundry.workflows.spec import references

WEIGHTS = {
    "ingest": 0.02,
    "train": 0.5,
    "generate": 0.2,
    "evaluate": 0.2,
    "test": 0.02,
    "images": 0.5,
    "collect": 0.5,
    "video": 0.5,
}
UPDATE_SECONDS = 1.0


class StepFailed(SynthfoundryError):
    code = "step_failed"
    title = "A workflow step failed"


@register
class RunWorkflow(JobKind):
    name = "workflows.run"
    stages: ClassVar[tuple[Stage, ...]] = ()
    Params = RunParams

    def stages_for(self, params: BaseModel) -> tuple[Stage, ...]:
        assert isinstance(params, RunParams)
        return tuple(
            Stage(name, WEIGHTS.get(kind, 0.06))
            for name, kind in zip(params.step_names, params.step_types, strict=True)
        )

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, RunParams)
        run = _Run(context, params.workflow_id)
        for step in run.workflow.spec["steps"]:
            name = step["name"]
            if name in run.workflow.outputs:
                with context.stage(name):  # finished by an earlier attempt
                    pass
                continue
            with context.stage(name):
                run.update(name, f"{name}: started")
                started = time.monotonic()
                values = _resolve(step["params"], run.workflow.outputs)
                outputs, child = STEPS[step["type"]](run, name, values)
                run.finish(name, outputs, child, time.monotonic() - started)
        return {"workflow_id": str(run.workflow.id), "outputs": run.workflow.outputs}

    def on_outcome(self, session: Session, job: Job) -> None:
        if job.target_id is None:
            return
        workflow = session.get(Workflow, job.target_id)
        if workflow is None:
            return
        if job.status == Status.FAILED:
            workflow.error_message = job.error_message
        data = {
            "workflow_id": str(workflow.id),
            "status": str(STATUS_OF_JOB[str(job.status)]),
            "progress": float(job.progress.get("fraction") or 0.0),
            "current_stage": job.progress.get("stage"),
            "message": job.error_message or str(job.status),
        }
        records.append_event(session, job, "workflow_update", data)

    def cleanup(self, context: JobContext) -> None:
        """An aborted run removes what it made, unless it keeps its outputs; a failed one keeps
        them, so that its report and test results can be read."""
        super().cleanup(context)
        params = context.params
        assert isinstance(params, RunParams)
        with context.database.unit_of_work(write=True) as session:
            job = session.get(Job, context.job_id)
            workflow = session.get(Workflow, params.workflow_id)
            if job is None or workflow is None or workflow.keep_outputs:
                return
            if job.status != Status.CANCELLING:
                return
            _remove_outputs(session, Actor.for_job(job), workflow)


class _Run:
    """The run row, its actor, and the writes a step makes."""

    def __init__(self, context: JobContext, workflow_id: uuid.UUID) -> None:
        self.context = context
        with context.database.unit_of_work() as session:
            workflow = session.get(Workflow, workflow_id)
            job = session.get(Job, context.job_id)
            if workflow is None or job is None:
                raise RuntimeError(f"workflow {workflow_id} is gone")
            self.actor = Actor.for_job(job)
            session.expunge_all()
        self.workflow = workflow
        self._last_update = 0.0

    def update(self, stage: str, message: str, fraction: float | None = None) -> None:
        """Tell the live readers (at most once a second, unless a step starts or ends)."""
        now = time.monotonic()
        if fraction is not None and now - self._last_update < UPDATE_SECONDS:
            return
        self._last_update = now
        workflow_id = str(self.workflow.id)

        def change(session: Session, job: Job) -> None:
            data = {
                "workflow_id": workflow_id,
                "status": "running",
                "progress": float(job.progress.get("fraction") or 0.0),
                "current_stage": stage,
                "message": message,
            }
            records.append_event(session, job, "workflow_update", data)

        records.apply(self.context.database, self.context.job_id, self.context.attempt, change)

    def submit(self, name: str, make: Any) -> uuid.UUID:
        """The step's child job: the one an earlier attempt made, or a new one."""
        if name in self.workflow.step_jobs:
            return uuid.UUID(self.workflow.step_jobs[name])
        with self.context.database.unit_of_work(write=True) as session:
            child = make(session)
            workflow = session.get(Workflow, self.workflow.id)
            assert workflow is not None
            workflow.step_jobs = {**workflow.step_jobs, name: str(child.id)}
            self.workflow.step_jobs = workflow.step_jobs
            child_id: uuid.UUID = child.id
        self.context.log(f"step {name} is job {child_id}")
        return child_id

    def follow(self, name: str, child_id: uuid.UUID) -> Job:
        def report(child: Job) -> None:
            progress = child.progress
            total = progress.get("total")
            done = progress.get("completed")
            detail = (
                f"{done:g}/{total:g} {progress.get('unit') or 'steps'}"
                if isinstance(total, int | float) and isinstance(done, int | float)
                else str(progress.get("message") or child.status)
            )
            fraction = float(progress.get("fraction") or 0.0)
            message = f"{name}: {detail}"
            self.context.progress(fraction * 1000, 1000, unit="permille", message=message)
            self.update(name, message, fraction)

        status = see_through(self.context, child_id, report)
        with self.context.database.unit_of_work() as session:
            child = session.get(Job, child_id)
            assert child is not None
            session.expunge(child)
        if status != Status.SUCCEEDED:
            self.context.check()  # an abort or a pause of the run ended the child: stop here
            reason = child.error_message or status
            raise StepFailed(f"step {name} {status}: {reason}")
        return child

    def finish(self, name: str, outputs: dict[str, Any], child: Job | None, seconds: float) -> None:
        compute = seconds
        cost = 0.0
        if child is not None and child.started_at and child.finished_at:
            compute = (child.finished_at - child.started_at).total_seconds()
            cost = provider_cost(self.context, child)
        with self.context.database.unit_of_work(write=True) as session:
            workflow = session.get(Workflow, self.workflow.id)
            assert workflow is not None
            workflow.outputs = {**workflow.outputs, name: outputs}
            costs = {
                **workflow.cost,
                name: {"compute_seconds": round(compute, 3), "cost_usd": cost},
            }
            workflow.cost = costs
            workflow.cost_usd = round(sum(c["cost_usd"] for c in costs.values()), 6)
            workflow.compute_seconds = round(sum(c["compute_seconds"] for c in costs.values()), 3)
            self.workflow.outputs = workflow.outputs
        self.update(name, f"{name}: done")

    def save_results(self, changes: dict[str, Any]) -> None:
        with self.context.database.unit_of_work(write=True) as session:
            workflow = session.get(Workflow, self.workflow.id)
            assert workflow is not None
            workflow.results = {**workflow.results, **changes}
            self.workflow.results = workflow.results


def provider_cost(context: JobContext, child: Job) -> float:
    """What a step's providers charged: a video's summed stage costs, else the job's own."""
    if child.target_type == "video" and child.target_id is not None:
        with context.database.unit_of_work() as session:
            video = session.get(Video, child.target_id)
            return float(video.cost_usd) if video is not None else 0.0
    return float((child.result or {}).get("cost_usd") or 0.0)


def _ingest(run: _Run, name: str, values: dict[str, Any]) -> tuple[dict[str, Any], Job | None]:
    return {"dataset_id": values["dataset_id"]}, None


def _train(run: _Run, name: str, values: dict[str, Any]) -> tuple[dict[str, Any], Job | None]:
    def make(session: Session) -> Job:
        request = GeneratorCreate(
            dataset_id=uuid.UUID(values["dataset"]),
            synthesizer=values.get("synthesizer"),
            params=values.get("params", {}),
            column_overrides=values.get("column_overrides", {}),
            name=f"{run.workflow.name}: {name}"[:200],
        )
        generator = generators.create(session, run.actor, request)
        return generators.train(session, run.actor, generator.id)

    child = run.follow(name, run.submit(name, make))
    return {"generator_id": str(child.target_id)}, child


def _generate(run: _Run, name: str, values: dict[str, Any]) -> tuple[dict[str, Any], Job | None]:
    def make(session: Session) -> Job:
        request = SyntheticDatasetCreate(
            generator_id=uuid.UUID(values["generator"]),
            size=values.get("size", 1000),
            seed=values.get("seed"),
            conditions=values.get("conditions"),
            format=values.get("format", "csv"),
            name=f"{run.workflow.name}: {name}"[:200],
        )
        return synthetic_datasets.create(session, run.actor, request)

    child = run.follow(name, run.submit(name, make))
    return {"synthetic_dataset_id": str(child.target_id)}, child


def _evaluate(run: _Run, name: str, values: dict[str, Any]) -> tuple[dict[str, Any], Job | None]:
    def make(session: Session) -> Job:
        holdout = values.get("holdout")
        request = ReportCreate(
            real_dataset_id=uuid.UUID(values["real"]),
            synthetic_dataset_id=uuid.UUID(values["synthetic"]),
            holdout_dataset_id=uuid.UUID(holdout) if holdout else None,
            target=values.get("target"),
        )
        return reports.create(session, run.actor, request)

    child = run.follow(name, run.submit(name, make))
    return {"report_id": str(child.target_id)}, child


def _test(run: _Run, name: str, values: dict[str, Any]) -> tuple[dict[str, Any], Job | None]:
    with run.context.database.unit_of_work() as session:
        report = reports.details(reports.get_owned(session, run.actor, uuid.UUID(values["report"])))
    results = run_checks(report, values["checks"])
    run.save_results({"checks": [result.model_dump() for result in results]})
    failed = [result for result in results if not result.passed]
    if failed:
        listed = "; ".join(f"{r.name}: {r.measured} (wanted {r.threshold})" for r in failed)
        raise StepFailed(f"step {name}: {len(failed)} check(s) failed: {listed}")
    return {"passed": True}, None


def _export(run: _Run, name: str, values: dict[str, Any]) -> tuple[dict[str, Any], Job | None]:
    with run.context.database.unit_of_work(write=True) as session:
        workflow = session.get(Workflow, run.workflow.id)
        assert workflow is not None
        written = write_export(
            session,
            run.actor,
            workflow,
            uuid.UUID(values["synthetic"]),
            values.get("format", "csv"),
            values.get("destination"),
        )
        workflow.results = {
            **workflow.results,
            "exports": [*workflow.results.get("exports", []), written],
        }
        run.workflow.results = workflow.results
    return {"key": written["key"]}, None


def _images(run: _Run, name: str, values: dict[str, Any]) -> tuple[dict[str, Any], Job | None]:
    def make(session: Session) -> Job:
        return image_datasets.create(session, run.actor, ImageDatasetCreate.model_validate(values))

    child = run.follow(name, run.submit(name, make))
    return {"image_dataset_id": str(child.target_id)}, child


def _collect(run: _Run, name: str, values: dict[str, Any]) -> tuple[dict[str, Any], Job | None]:
    def make(session: Session) -> Job:
        return image_datasets.collect(session, run.actor, CollectCreate.model_validate(values))

    child = run.follow(name, run.submit(name, make))
    return {"image_dataset_id": str(child.target_id)}, child


def _video(run: _Run, name: str, values: dict[str, Any]) -> tuple[dict[str, Any], Job | None]:
    def make(session: Session) -> Job:
        request = ProductVideoCreate.model_validate(values)
        video = videos.create_product(session, run.actor, request, None)
        job = session.get(Job, video.job_id)
        assert job is not None
        return job

    child = run.follow(name, run.submit(name, make))
    return {"video_id": str(child.target_id)}, child


STEPS = {
    "images": _images,
    "collect": _collect,
    "video": _video,
    "ingest": _ingest,
    "train": _train,
    "generate": _generate,
    "evaluate": _evaluate,
    "test": _test,
    "export": _export,
}


def _resolve(params: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
    """The step's parameters with each reference replaced by the output it names."""
    resolved = dict(params)
    for field, (step, output) in references(params).items():
        resolved[field] = outputs[step][output]
    return resolved


def _remove_outputs(session: Session, actor: Actor, workflow: Workflow) -> None:
    """What the run made: reports, then synthetic datasets, then generators, then exports."""
    made = workflow.outputs
    children = [uuid.UUID(job_id) for job_id in workflow.step_jobs.values()]
    targets = {
        job.target_type: job.target_id
        for job in (session.get(Job, child) for child in children)
        if job is not None and job.target_id is not None
    }
    for values in made.values():
        for key, value in values.items():
            if key.endswith("_id") and key != "dataset_id":
                targets.setdefault(key.removesuffix("_id"), uuid.UUID(value))
    deleters = (
        ("report", reports.delete),
        ("synthetic_dataset", synthetic_datasets.delete),
        ("generator", generators.delete),
    )
    for kind, delete in deleters:
        target = targets.get(kind)
        if target is not None:
            # Already gone, or still busy: nothing of the run's to remove.
            with contextlib.suppress(SynthfoundryError):
                delete(session, actor, target)
    for written in workflow.results.get("exports", []):
        runtime.storage().delete(written["key"])
    workflow.outputs = {}
    workflow.results = {}
