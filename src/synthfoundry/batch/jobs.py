"""``batch.run``: create a child job per operation and see each to its end. The parent runs any
child still queued itself, in its own process, so a batch never waits for a free worker slot that
it occupies; children that other workers took are awaited. The children are the batch's own
(``parent_job_id``): cancelling or pausing the batch reaches them through the state machine. The
batch acts as its creator, with the scopes of the credential that created it."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from synthfoundry.accounts.actor import Actor
from synthfoundry.batch.schemas import BatchParams, GenerateOperation, TrainOperation
from synthfoundry.generators import service as generators
from synthfoundry.jobs.children import see_through
from synthfoundry.jobs.context import JobContext
from synthfoundry.jobs.kinds import JobKind, Stage, register
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import Status
from synthfoundry.synthetic_datasets import service as synthetic_datasets
from synthfoundry.synthetic_datasets.schemas import SyntheticDatasetCreate


@register
class RunBatch(JobKind):
    name = "batch.run"
    stages: ClassVar[tuple[Stage, ...]] = (Stage("submit", 0.02), Stage("run", 0.98))
    Params = BatchParams

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, BatchParams)
        state = context.load_checkpoint() or {"children": []}
        owner = self._actor(context)
        total = len(params.operations)
        with context.stage("submit"):
            if params.mode == "parallel":
                for index in range(len(state["children"]), total):
                    state["children"].append(self._submit(context, owner, params, index))
                    context.save_checkpoint(state)
        with context.stage("run"):
            for index in range(total):
                if index == len(state["children"]):  # sequence: one child at a time
                    state["children"].append(self._submit(context, owner, params, index))
                    context.save_checkpoint(state)
                if params.mode == "parallel":
                    continue
                status = self._see_through(context, uuid.UUID(state["children"][index]))
                context.progress(index + 1, total, unit="operations")
                if status != Status.SUCCEEDED:
                    raise RuntimeError(f"operation {index} ({state['children'][index]}) {status}")
            if params.mode == "parallel":
                statuses = [self._see_through(context, uuid.UUID(c)) for c in state["children"]]
                context.progress(total, total, unit="operations")
                failed = [i for i, status in enumerate(statuses) if status != Status.SUCCEEDED]
                if failed:
                    raise RuntimeError(f"operations {failed} did not succeed")
        return {"children": self._summary(context, state["children"])}

    def _actor(self, context: JobContext) -> Actor:
        with context.database.unit_of_work() as session:
            job = session.get(Job, context.job_id)
            assert job is not None
            return Actor.for_job(job)

    def _submit(self, context: JobContext, actor: Actor, params: BatchParams, index: int) -> str:
        operation = params.operations[index]
        with context.database.unit_of_work(write=True) as session:
            if isinstance(operation, TrainOperation):
                child = generators.train(session, actor, operation.generator_id)
            else:
                assert isinstance(operation, GenerateOperation)
                request = SyntheticDatasetCreate.model_validate(
                    operation.model_dump(exclude={"type"})
                )
                child = synthetic_datasets.create(session, actor, request)
            child_id = str(child.id)
        context.log(f"operation {index} ({operation.type}) is job {child_id}")
        return child_id

    def _see_through(self, context: JobContext, child_id: uuid.UUID) -> str:
        return see_through(context, child_id)

    def _summary(self, context: JobContext, children: list[str]) -> list[dict[str, Any]]:
        with context.database.unit_of_work() as session:
            found = [session.get(Job, uuid.UUID(child)) for child in children]
            return [
                {
                    "job_id": str(job.id),
                    "kind": job.kind,
                    "status": job.status,
                    "target_id": str(job.target_id) if job.target_id else None,
                }
                for job in found
                if job is not None
            ]
