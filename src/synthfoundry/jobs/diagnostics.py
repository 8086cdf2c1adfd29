"""``system.steps``: a job of N timed steps with a checkpoint after each, for operators to check
that workers, progress, cancel, pause and recovery work end to end (and for the job tests)."""

from __future__ import annotations

import os
import time
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from synthfoundry.jobs.context import JobContext
from synthfoundry.jobs.kinds import JobKind, Stage, register


class StepsParams(BaseModel):
    steps: int = Field(default=10, ge=1, le=10_000)
    step_seconds: float = Field(default=0.1, ge=0, le=60)
    fail_at_step: int | None = Field(default=None, ge=0, description="raise an error there")
    exit_at_step: int | None = Field(
        default=None, ge=0, description="end the worker process abruptly there (every attempt)"
    )


@register
class StepsJob(JobKind):
    name = "system.steps"
    stages: ClassVar[tuple[Stage, ...]] = (Stage("prepare", 0), Stage("steps"), Stage("finish", 0))
    Params = StepsParams

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, StepsParams)
        with context.stage("prepare"):
            state = context.load_checkpoint() or {"next_step": 0, "executed": []}
            resumed_from = int(state["next_step"])
            context.log(f"attempt {context.attempt} starts at step {resumed_from}")
        with context.stage("steps"):
            for step in range(resumed_from, params.steps):
                context.check()
                if params.exit_at_step == step:
                    os._exit(70)
                if params.fail_at_step == step:
                    raise RuntimeError(f"failing at step {step} as asked")
                time.sleep(params.step_seconds)
                state["executed"].append(step)
                state["next_step"] = step + 1
                context.save_checkpoint(state)
                context.progress(step + 1, params.steps, unit="steps")
        with context.stage("finish"):
            return {
                "steps": params.steps,
                "resumed_from": resumed_from,
                "executed": state["executed"],
            }
