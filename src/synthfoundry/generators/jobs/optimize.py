"""``generators.optimize``: an Optuna search over a generator's parameters. Each trial fits on
most of the dataset and is judged on the rest (fidelity, utility or both); the best parameters
are stored on the generator. Finished trials are checkpointed, so a paused or restarted search
goes on where it stopped."""

from __future__ import annotations

from typing import Any, ClassVar

import optuna
import pandas as pd
from pydantic import BaseModel
from sqlalchemy.orm import Session

from synthfoundry.datasets import service as datasets
from synthfoundry.evaluation import evaluate
from synthfoundry.generators.jobs.params import OptimizeParams
from synthfoundry.generators.jobs.train import load_generator
from synthfoundry.generators.models import Generator
from synthfoundry.generators.schemas import Metric
from synthfoundry.jobs.context import JobContext
from synthfoundry.jobs.kinds import JobKind, Stage, register
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import Status
from synthfoundry.synthesizers.registry import synthesizer_class
from synthfoundry.tabular.metadata import Metadata


def score(report: Any, metric: Metric) -> float:
    fidelity = float(report.fidelity.score)
    utility = float(report.utility.score) if report.utility is not None else 0.0
    if metric == "fidelity":
        return fidelity
    if metric == "utility":
        return utility
    return (fidelity + utility) / 2


@register
class OptimizeGenerator(JobKind):
    name = "generators.optimize"
    stages: ClassVar[tuple[Stage, ...]] = (
        Stage("load", 0.05),
        Stage("search", 0.9),
        Stage("store", 0.05),
    )
    Params = OptimizeParams

    def queue_for(self, params: BaseModel) -> str:
        assert isinstance(params, OptimizeParams)
        return params.queue

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, OptimizeParams)
        with context.stage("load"):
            generator, dataset = load_generator(context, params.generator_id)
            frame = datasets.read_table(dataset).to_pandas()
            if len(frame) > params.max_rows:
                frame = frame.sample(params.max_rows, random_state=params.seed)
            validation = frame.sample(frac=0.2, random_state=params.seed)
            train = frame.drop(validation.index)
            metadata = Metadata.model_validate(dataset.column_metadata)
            if generator.column_overrides:
                metadata = metadata.with_overrides(dict(generator.column_overrides), frame)
            state = context.load_checkpoint() or {"trials": []}
        with context.stage("search"):
            study = optuna.create_study(
                direction="maximize", sampler=optuna.samplers.TPESampler(seed=params.seed)
            )
            space = synthesizer_class(generator.synthesizer).search_space
            distributions = self._distributions(space, params.max_epochs)
            for done in state["trials"]:
                study.add_trial(
                    optuna.trial.create_trial(
                        params=done["params"], distributions=distributions, value=done["value"]
                    )
                )
            for number in range(len(state["trials"]), params.n_trials):
                context.check()
                trial = study.ask()
                suggested = space(trial, params.max_epochs) or {}
                value = self._trial(context, generator, suggested, train, validation, metadata)
                study.tell(trial, value)
                state["trials"].append({"params": trial.params, "value": value})
                context.save_checkpoint(state)
                best = study.best_value
                context.progress(
                    number + 1,
                    params.n_trials,
                    unit="trials",
                    message=f"best {best:.4f}",
                    step="trials",
                )
        with context.stage("store"):
            cls = synthesizer_class(generator.synthesizer)
            chosen = {**cls.stored_params(generator.params), **study.best_params}
            best_params = cls(chosen).params.model_dump(mode="json")
        return {
            "generator_id": str(generator.id),
            "metric": params.metric,
            "best_value": study.best_value,
            "best_params": best_params,
            "trials": len(study.trials),
        }

    def on_outcome(self, session: Session, job: Job) -> None:
        """The best parameters found become the generator's."""
        if job.status != Status.SUCCEEDED or job.result is None or job.target_id is None:
            return
        row = session.get(Generator, job.target_id)
        if row is not None:
            row.params = job.result["best_params"]

    def _distributions(self, space: Any, max_epochs: int) -> dict[str, Any]:
        probe = optuna.create_study().ask()
        space(probe, max_epochs)
        return dict(probe.distributions)

    def _trial(
        self,
        context: JobContext,
        generator: Generator,
        suggested: dict[str, Any],
        train: pd.DataFrame,
        validation: pd.DataFrame,
        metadata: Metadata,
    ) -> float:
        params = context.params
        assert isinstance(params, OptimizeParams)
        cls = synthesizer_class(generator.synthesizer)
        settings = {**cls.stored_params(generator.params), **suggested}
        if "threads" in cls.Params.model_fields and settings.get("threads") is None:
            settings["threads"] = context.settings.torch_threads
        synthesizer = cls(settings).fit(train, metadata)
        synthetic = synthesizer.sample(synthesizer.SampleRequest(rows=len(train), seed=params.seed))
        report = evaluate(train, synthetic, metadata, validation, params.target)
        return score(report, params.metric)
