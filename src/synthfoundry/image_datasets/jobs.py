"""``images.generate`` (a text-to-image model makes each label's images) and ``images.augment``
(a ready dataset copied with variants of every image). Both build the dataset in the job's own
folder and publish it whole at the end: a cancelled or failed job leaves no files."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

from PIL import Image
from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from synthfoundry import layout, runtime
from synthfoundry.image_datasets.builder import DatasetBuilder, data_key
from synthfoundry.image_datasets.models import DatasetImage, ImageDataset
from synthfoundry.image_datasets.schemas import (
    AugmentImagesParams,
    AugmentRequest,
    GenerateImagesParams,
    ImageDatasetCreate,
)
from synthfoundry.image_datasets.service import store_rows
from synthfoundry.images.augment import augment, variant_seed
from synthfoundry.images.text2image import Text2Image
from synthfoundry.jobs.context import JobContext
from synthfoundry.jobs.kinds import JobKind, Stage, register
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import Status

ROWS_PER_READ = 500


class BuildsImageDataset(JobKind):
    """What both kinds share: the target row, publishing, the outcome and the clean-up."""

    def _dataset(self, context: JobContext, dataset_id: uuid.UUID) -> ImageDataset:
        with context.database.unit_of_work() as session:
            dataset = session.get(ImageDataset, dataset_id)
            if dataset is None:
                raise RuntimeError(f"image dataset {dataset_id} is gone")
            session.expunge_all()
        return dataset

    def _publish(
        self,
        context: JobContext,
        dataset: ImageDataset,
        builder: DatasetBuilder,
        seconds: float,
        device: str,
    ) -> dict[str, Any]:
        """Write the ZIP, replace the dataset's files and rows; the job's result."""
        builder.archive()
        # Writing first proves this attempt still has the job (else StopRequested("fenced")):
        # a runner that lost it must not replace the files of the one that has it.
        context.log(f"publishing {builder.total} images")
        context.storage.delete_prefix(dataset.folder)  # what an earlier attempt left
        size = builder.publish(context.storage, dataset.folder)
        with context.database.unit_of_work(write=True) as session:
            count = store_rows(session, dataset.id, builder.entries())
        return {
            "image_dataset_id": str(dataset.id),
            "file_count": count,
            "size_bytes": size,
            "generation_time": round(seconds, 3),
            "device_used": device,
        }

    def on_outcome(self, session: Session, job: Job) -> None:
        if job.target_id is None:
            return
        if job.status != Status.SUCCEEDED:
            self._forget(session, job.target_id)
            return
        if job.result is None:
            return
        dataset = session.get(ImageDataset, job.target_id)
        if dataset is not None:
            dataset.file_count = job.result["file_count"]
            dataset.size_bytes = job.result["size_bytes"]
            dataset.generation_time = job.result["generation_time"]
            dataset.device_used = job.result["device_used"]
            dataset.collection = job.result.get("collection")

    def _forget(self, session: Session, dataset_id: uuid.UUID) -> None:
        """A job that did not succeed leaves no images, also when its runner died after
        publishing (then no clean-up ran)."""
        session.execute(delete(DatasetImage).where(DatasetImage.dataset_id == dataset_id))
        dataset = session.get(ImageDataset, dataset_id)
        if dataset is not None and dataset.folder:
            layout.remove_after_commit(session, runtime.storage(), dataset.folder)

    def cleanup(self, context: JobContext) -> None:
        super().cleanup(context)
        params = context.params
        image_dataset_id = getattr(params, "image_dataset_id", None)
        assert isinstance(image_dataset_id, uuid.UUID)
        with context.database.unit_of_work(write=True) as session:
            session.execute(delete(DatasetImage).where(DatasetImage.dataset_id == image_dataset_id))
            dataset = session.get(ImageDataset, image_dataset_id)
            folder = dataset.folder if dataset is not None else None
        if folder:
            context.storage.delete_prefix(folder)


@register
class GenerateImages(BuildsImageDataset):
    name = "images.generate"
    stages: ClassVar[tuple[Stage, ...]] = (
        Stage("load_model", 0.1),
        Stage("generate", 0.8),
        Stage("post_process", 0.04),
        Stage("package", 0.06),
    )
    Params = GenerateImagesParams

    def queue_for(self, params: BaseModel) -> str:
        assert isinstance(params, GenerateImagesParams)
        return Text2Image.queue_for({"device": params.device})

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, GenerateImagesParams)
        dataset = self._dataset(context, params.image_dataset_id)
        request = ImageDatasetCreate.model_validate(dataset.request)
        with context.stage("load_model"):
            model = Text2Image(
                model=request.model, device=request.device, batch_size=request.batch_size
            )
            model.load_pipeline()
            context.log(f"{request.model} ready on {model.device_used}")
        total = len(request.labels) * request.images_per_label
        with context.work_dir() as work:
            builder = DatasetBuilder(work / "dataset", request.labels)
            try:
                started = time.monotonic()
                with context.stage("generate"):
                    for made in model.sample(request.image_request()):
                        context.check()
                        builder.add(
                            made.image,
                            made.label,
                            seed=made.seed,
                            noise_seed=made.noise_seed,
                            noise_sigma=made.noise_sigma,
                            prompt=made.prompt,
                            negative_prompt=made.negative_prompt,
                            model=made.model,
                            steps=made.steps,
                            guidance_scale=made.guidance_scale,
                            seconds=round(made.seconds, 4),
                        )
                        context.progress(builder.total, total, unit="images", step="images")
                generation_time = time.monotonic() - started
                with context.stage("post_process"):
                    builder.finish(
                        {
                            "source": "generated",
                            "request": dataset.request,
                            "device": model.device_used,
                        }
                    )
                with context.stage("package"):
                    return self._publish(
                        context, dataset, builder, generation_time, model.device_used
                    )
            finally:
                builder.close()


@register
class AugmentImages(BuildsImageDataset):
    name = "images.augment"
    stages: ClassVar[tuple[Stage, ...]] = (
        Stage("load", 0.05),
        Stage("augment", 0.85),
        Stage("package", 0.1),
    )
    Params = AugmentImagesParams

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, AugmentImagesParams)
        with context.stage("load"):
            dataset = self._dataset(context, params.image_dataset_id)
            if dataset.source_dataset_id is None:
                raise RuntimeError(f"image dataset {dataset.id} has no source dataset")
            source = self._dataset(context, dataset.source_dataset_id)
            request = AugmentRequest.model_validate(dataset.request)
        total = (source.file_count or 0) * (1 + request.variants_per_image)
        with context.work_dir() as work:
            builder = DatasetBuilder(work / "dataset", dataset.labels)
            try:
                started = time.monotonic()
                with context.stage("augment"):
                    for original in self._images(context, source):
                        image = self._read(context, source, original)
                        builder.add(image, original.label, seed=original.seed, source=original.file)
                        for variant in range(request.variants_per_image):
                            context.check()
                            seed = variant_seed(request.seed, original.position, variant)
                            changed, record = augment(image, request.operations, seed)
                            builder.add(
                                changed,
                                original.label,
                                seed=seed,
                                source=original.file,
                                augmentation=record,
                            )
                        context.progress(builder.total, total, unit="images", step="images")
                    builder.finish(
                        {"source": "augmented", "from": str(source.id), "request": dataset.request}
                    )
                generation_time = time.monotonic() - started
                with context.stage("package"):
                    return self._publish(context, dataset, builder, generation_time, "cpu")
            finally:
                builder.close()

    def _images(self, context: JobContext, source: ImageDataset) -> Iterator[DatasetImage]:
        after = 0
        while True:
            with context.database.unit_of_work() as session:
                rows = list(
                    session.scalars(
                        select(DatasetImage)
                        .where(DatasetImage.dataset_id == source.id, DatasetImage.position > after)
                        .order_by(DatasetImage.position)
                        .limit(ROWS_PER_READ)
                    )
                )
                session.expunge_all()
            if not rows:
                return
            yield from rows
            after = rows[-1].position

    def _read(self, context: JobContext, source: ImageDataset, image: DatasetImage) -> Image.Image:
        data = context.storage.get(data_key(source.folder, image.file))
        with Image.open(io.BytesIO(data)) as opened:
            return opened.convert("RGB")
