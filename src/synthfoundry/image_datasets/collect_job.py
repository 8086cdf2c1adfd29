"""``images.collect``: search providers and URL lists for each label, fetch safely, validate,
de-duplicate, optionally top up short labels with generated or augmented images, and package."""

from __future__ import annotations

import dataclasses
import threading
import time
from contextlib import ExitStack
from typing import Any, ClassVar

from pydantic import BaseModel

from synthfoundry import runtime
from synthfoundry.image_datasets.builder import DatasetBuilder
from synthfoundry.image_datasets.collection import collect_request, fetch_policy
from synthfoundry.image_datasets.jobs import BuildsImageDataset
from synthfoundry.image_datasets.schemas import CollectCreate, CollectImagesParams
from synthfoundry.images.augment import ALL_OPERATIONS, augment, variant_seed
from synthfoundry.images.collect import Collected, CollectionStopped, Collector, CollectStats
from synthfoundry.images.fetch import SafeFetcher
from synthfoundry.images.requests import ImageRequest
from synthfoundry.jobs.context import JobContext, StopRequested
from synthfoundry.jobs.kinds import Stage, register

SEARCH_STAGES = ("search", "download", "validate", "deduplicate")


class _Stages:
    """Moves the job through its stages as the collector reports them (never backwards); the
    collector reports from its download threads, so calls are serialised."""

    def __init__(self, context: JobContext) -> None:
        self.context = context
        self.index = -1
        self.current = ExitStack()
        self.lock = threading.Lock()

    def enter(self, name: str) -> None:
        target = SEARCH_STAGES.index(name)
        while self.index < target:
            self.current.close()
            self.index += 1
            self.current = ExitStack()
            self.current.enter_context(self.context.stage(SEARCH_STAGES[self.index]))

    def progress(
        self, stage: str, completed: float, total: float | None, unit: str = "", message: str = ""
    ) -> None:
        with self.lock:
            if stage in SEARCH_STAGES:
                self.enter(stage)
            self.context.progress(completed, total, unit=unit or "steps", message=message)

    def finish(self) -> None:
        with self.lock:
            self.enter(SEARCH_STAGES[-1])
            self.current.close()


class _Stop:
    """The collector's stop question, answered by the job's own check (which raises)."""

    def __init__(self, context: JobContext) -> None:
        self.context = context
        self.request: StopRequested | None = None
        self.lock = threading.Lock()

    def __call__(self) -> bool:
        with self.lock:
            if self.request is None:
                try:
                    self.context.check()
                except StopRequested as stop:
                    self.request = stop
            return self.request is not None


@register
class CollectImages(BuildsImageDataset):
    name = "images.collect"
    stages: ClassVar[tuple[Stage, ...]] = (
        Stage("search", 0.1),
        Stage("download", 0.5),
        Stage("validate", 0.1),
        Stage("deduplicate", 0.1),
        Stage("package", 0.2),
    )
    Params = CollectImagesParams

    def queue_for(self, params: BaseModel) -> str:
        assert isinstance(params, CollectImagesParams)
        return "gpu" if params.generates else "cpu"

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, CollectImagesParams)
        dataset = self._dataset(context, params.image_dataset_id)
        request = CollectCreate.model_validate(dataset.request)
        settings = runtime.settings().collection
        started = time.monotonic()
        collected, stats = self._collect(context, request, settings)
        with context.stage("package"), context.work_dir() as work:
            builder = DatasetBuilder(work / "dataset", request.label_names())
            try:
                for item in collected:
                    builder.add(item.valid.image, item.label, **_provenance(item))
                self._top_up(context, request, builder, collected)
                summary = _summary(stats)
                builder.finish({"source": "collected", "request": dataset.request, **summary})
                seconds = time.monotonic() - started
                result = self._publish(context, dataset, builder, seconds, "cpu")
            finally:
                builder.close()
        return result | {"collection": summary}

    def _collect(
        self, context: JobContext, request: CollectCreate, settings: Any
    ) -> tuple[list[Collected], CollectStats]:
        stages, stop = _Stages(context), _Stop(context)
        with SafeFetcher(fetch_policy(settings)) as fetcher:
            collector = Collector(fetcher, log=context.log, progress=stages.progress, stop=stop)
            try:
                collected, stats = collector.collect(collect_request(request, settings))
            except CollectionStopped:
                raise stop.request or StopRequested("cancel") from None
        stages.finish()
        for line in stats.provider_errors:
            context.log(line, level="warning")
        return collected, stats

    def _top_up(
        self,
        context: JobContext,
        request: CollectCreate,
        builder: DatasetBuilder,
        collected: list[Collected],
    ) -> None:
        short = {
            label: request.images_per_label - builder.counts[label]
            for label in request.label_names()
            if builder.counts[label] < request.images_per_label
        }
        if not short or request.top_up_with is None:
            return
        if request.top_up_with == "augment":
            self._top_up_by_augmenting(context, builder, collected, short)
        else:
            self._top_up_by_generating(context, request, builder, short)

    def _top_up_by_augmenting(
        self,
        context: JobContext,
        builder: DatasetBuilder,
        collected: list[Collected],
        short: dict[str, int],
    ) -> None:
        for label, missing in short.items():
            originals = [item for item in collected if item.label == label]
            if not originals:
                context.log(f"{label}: nothing collected to augment", level="warning")
                continue
            for number in range(missing):
                context.check()
                original = originals[number % len(originals)]
                seed = variant_seed(0, len(builder.labels) * number, number)
                changed, record = augment(original.valid.image, ALL_OPERATIONS, seed)
                builder.add(
                    changed,
                    label,
                    seed=seed,
                    source=original.found.url,
                    augmentation=record,
                    license=original.found.license,
                    attribution=original.found.attribution,
                )

    def _top_up_by_generating(
        self,
        context: JobContext,
        request: CollectCreate,
        builder: DatasetBuilder,
        short: dict[str, int],
    ) -> None:
        from synthfoundry.images.text2image import Text2Image

        model = Text2Image(model=request.model)
        model.load_pipeline()
        for label, missing in short.items():
            wanted = ImageRequest(labels=[label], images_per_label=missing)
            for made in model.sample(wanted):
                context.check()
                builder.add(
                    made.image,
                    label,
                    seed=made.seed,
                    prompt=made.prompt,
                    model=made.model,
                    steps=made.steps,
                    guidance_scale=made.guidance_scale,
                )


def _provenance(item: Collected) -> dict[str, Any]:
    found = item.found
    return {
        "source": found.url,
        "provider": found.provider,
        "page_url": found.page_url,
        "license": found.license,
        "license_url": found.license_url,
        "creator": found.creator,
        "attribution": found.attribution,
        "sha256": item.valid.sha256,
    }


def _summary(stats: CollectStats) -> dict[str, Any]:
    summary = dataclasses.asdict(stats)
    summary["invalid"] = dict(stats.invalid)
    summary["refused"] = dict(stats.refused)
    return summary
