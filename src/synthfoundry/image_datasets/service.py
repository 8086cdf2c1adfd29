"""Image datasets: make (a text-to-image job), expand (an augmentation job), upload, read,
change and delete, each owner seeing only their own."""

from __future__ import annotations

import base64
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from synthfoundry import audit, layout, runtime
from synthfoundry.accounts.actor import Actor
from synthfoundry.accounts.ownership import get_visible, list_visible
from synthfoundry.datasets.service import receive
from synthfoundry.db.pagination import Page
from synthfoundry.errors import InvalidInput, InvalidState, NotFound
from synthfoundry.image_datasets.builder import DatasetBuilder, data_key, folder_for, thumbnail_key
from synthfoundry.image_datasets.collection import provider_catalogue
from synthfoundry.image_datasets.models import DatasetImage, ImageDataset
from synthfoundry.image_datasets.schemas import (
    MAX_LABEL,
    AugmentImagesParams,
    AugmentRequest,
    CollectCreate,
    CollectImagesParams,
    GenerateImagesParams,
    ImageDatasetCreate,
    ImageDatasetRead,
    ImageDatasetSource,
    ImageDatasetStats,
    ImageDatasetStatus,
    ImageDatasetUpdate,
    ProviderInfo,
    Thumbnail,
)
from synthfoundry.images.archive import ArchiveLimits, inspect_archive, read_image_folder
from synthfoundry.images.folder import ManifestEntry
from synthfoundry.images.requests import check_local_model, check_model_reference
from synthfoundry.jobs import service as jobs
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.states import Action
from synthfoundry.jobs.tracking import active_job

ROW_BATCH = 1000
MAX_PREVIEW = 50


def create(session: Session, actor: Actor, request: ImageDatasetCreate) -> Job:
    """Queue a text-to-image job; the new dataset is its target."""
    actor.require("image-datasets:write")
    check_local_model(request.model, runtime.settings().model_dirs())
    check_model_reference(request.model)
    dataset = ImageDataset(
        owner_id=actor.user_id,
        name=request.name or _default_name(request.labels, request.images_per_label),
        description=request.description,
        source=ImageDatasetSource.GENERATED.value,
        labels=list(request.labels),
        request=request.model_dump(mode="json", exclude={"name", "description"}),
    )
    return _submit(
        session,
        actor,
        dataset,
        lambda created: GenerateImagesParams(image_dataset_id=created.id, device=request.device),
        details={"labels": len(request.labels), "images_per_label": request.images_per_label},
    )


def collect(session: Session, actor: Actor, request: CollectCreate) -> Job:
    """Queue a collection job; the new dataset is its target. A provider asked for by name must
    be usable here (credentials set), else 422 naming it."""
    actor.require("image-datasets:write")
    for info in providers():
        if info.name in request.providers and not info.available:
            raise InvalidInput(f"provider {info.name}: {info.reason}", field="providers")
    if request.top_up_with == "generate":
        check_local_model(request.model, runtime.settings().model_dirs())
        check_model_reference(request.model)
    labels = request.label_names()
    dataset = ImageDataset(
        owner_id=actor.user_id,
        name=request.name or _default_name(labels, request.images_per_label),
        description=request.description,
        source=ImageDatasetSource.COLLECTED.value,
        labels=labels,
        request=request.model_dump(mode="json", exclude={"name", "description"}),
    )
    return _submit(
        session,
        actor,
        dataset,
        lambda created: CollectImagesParams(
            image_dataset_id=created.id, generates=request.top_up_with == "generate"
        ),
        details={"labels": len(labels), "providers": list(request.providers)},
    )


def providers() -> list[ProviderInfo]:
    """Every collection provider, and why one cannot be used here."""
    return [
        ProviderInfo(name=name, available=reason is None, reason=reason)
        for name, reason in provider_catalogue(runtime.settings().collection).items()
    ]


def stats(session: Session, actor: Actor, *, all_owners: bool) -> ImageDatasetStats:
    """The caller's image datasets summed (every owner's for an admin who asks)."""
    statement = select(ImageDataset)
    if not actor.principal.lists_everyone(all_owners):
        statement = statement.where(ImageDataset.owner_id == actor.user_id)
    by_status: Counter[str] = Counter()
    invalid: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    images = size = duplicates = count = 0
    for dataset in session.scalars(statement):
        count += 1
        by_status[str(dataset.status)] += 1
        images += dataset.file_count or 0
        size += dataset.size_bytes or 0
        collection = dataset.collection or {}
        duplicates += collection.get("exact_duplicates", 0) + collection.get("near_duplicates", 0)
        invalid.update(collection.get("invalid", {}))
        refused.update(collection.get("refused", {}))
    return ImageDatasetStats(
        datasets=count,
        by_status=dict(by_status),
        images=images,
        bytes=size,
        duplicates_removed=duplicates,
        invalid_by_reason=dict(invalid),
        refused_by_reason=dict(refused),
    )


def augment(session: Session, actor: Actor, source_id: uuid.UUID, request: AugmentRequest) -> Job:
    """Queue a job that copies a ready dataset and adds variants of each image."""
    actor.require("image-datasets:write")
    source = get_owned(session, actor, source_id)
    require_ready(source)
    dataset = ImageDataset(
        owner_id=actor.user_id,
        name=request.name or f"{source.name} (augmented x{request.variants_per_image})"[:200],
        source=ImageDatasetSource.AUGMENTED.value,
        source_dataset_id=source.id,
        labels=list(source.labels),
        request=request.model_dump(mode="json", exclude={"name"}),
    )
    return _submit(
        session,
        actor,
        dataset,
        lambda created: AugmentImagesParams(image_dataset_id=created.id),
        details={"source_dataset_id": str(source.id), **dataset.request},
    )


def _submit(
    session: Session,
    actor: Actor,
    dataset: ImageDataset,
    params_for: Any,
    details: dict[str, Any],
) -> Job:
    session.add(dataset)
    session.flush()
    dataset.folder = folder_for(dataset.owner_id, dataset.id)
    job = jobs.submit(session, actor, params_for(dataset), target=dataset)
    dataset.job_id = job.id
    audit.record(
        session,
        actor.audit,
        f"image_dataset.{dataset.source}",
        target_type="image_dataset",
        target_id=dataset.id,
        details=details,
    )
    return job


def upload(
    session: Session,
    actor: Actor,
    source: IO[bytes],
    *,
    name: str | None,
    description: str,
    file_name: str | None,
) -> ImageDataset:
    """Store an uploaded ImageFolder ZIP as a ready dataset. Every member is checked (paths,
    links, sizes while decompressing, pixels, content) before anything is stored."""
    actor.require("image-datasets:write")
    settings, storage = runtime.settings().images, runtime.storage()
    limits = ArchiveLimits(
        max_archive_bytes=settings.max_upload_bytes,
        max_members=settings.max_upload_images,
        max_pixels=settings.max_image_pixels,
    )
    with tempfile.TemporaryDirectory(prefix="synthfoundry-images-") as directory:
        path = receive(source, Path(directory), settings.max_upload_bytes)
        summary = inspect_archive(path, limits)
        if long := [label for label in summary.labels if len(label) > MAX_LABEL]:
            raise InvalidInput(
                f"folder {long[0][:40]!r}...: labels must be at most {MAX_LABEL} characters",
                field="file",
            )
        builder = DatasetBuilder(Path(directory) / "dataset", summary.labels)
        try:
            for uploaded in read_image_folder(path, limits):
                builder.add(uploaded.image, uploaded.label, source=uploaded.member)
            builder.finish({"source": "uploaded", "file_name": file_name})
            builder.archive()
        finally:
            builder.close()
        dataset = ImageDataset(
            owner_id=actor.user_id,
            name=(name or _stem(file_name) or "images")[:200],
            description=description,
            source=ImageDatasetSource.UPLOADED.value,
            labels=summary.labels,
            request={"file_name": file_name},
        )
        session.add(dataset)
        session.flush()
        dataset.folder = folder_for(dataset.owner_id, dataset.id)
        layout.remove_on_rollback(session, storage, dataset.folder)
        dataset.size_bytes = builder.publish(storage, dataset.folder)
        dataset.file_count = store_rows(session, dataset.id, builder.entries())
    audit.record(
        session,
        actor.audit,
        "image_dataset.upload",
        target_type="image_dataset",
        target_id=dataset.id,
        details={"images": dataset.file_count, "labels": len(dataset.labels)},
    )
    session.flush()
    return dataset


def store_rows(session: Session, dataset_id: uuid.UUID, entries: Iterable[ManifestEntry]) -> int:
    """Index the manifest's images (in batches); return how many."""
    session.execute(sql_delete(DatasetImage).where(DatasetImage.dataset_id == dataset_id))
    batch: list[dict[str, Any]] = []
    count = 0
    for count, entry in enumerate(entries, start=1):
        batch.append(_row(dataset_id, count, entry))
        if len(batch) >= ROW_BATCH:
            session.execute(insert(DatasetImage), batch)
            batch = []
    if batch:
        session.execute(insert(DatasetImage), batch)
    return count


def _row(dataset_id: uuid.UUID, position: int, entry: ManifestEntry) -> dict[str, Any]:
    return {
        "dataset_id": dataset_id,
        "position": position,
        "label": entry.label,
        "index_in_label": int(entry.file.rsplit("/", 1)[-1].split(".")[0]),
        "file": entry.file,
        "seed": entry.seed,
        "noise_sigma": entry.noise_sigma,
        "width": entry.width,
        "height": entry.height,
        "source": entry.source,
        "augmentation": entry.augmentation,
        "provider": entry.provider,
        "license": entry.license,
    }


def get_owned(session: Session, actor: Actor, dataset_id: uuid.UUID) -> ImageDataset:
    return get_visible(session, ImageDataset, actor.principal, dataset_id, "image dataset")


def list_page(
    session: Session, actor: Actor, *, all_owners: bool, limit: int, cursor: str | None
) -> Page[ImageDataset]:
    return list_visible(
        session, ImageDataset, actor.principal, all_owners=all_owners, limit=limit, cursor=cursor
    )


def to_read(dataset: ImageDataset) -> ImageDatasetRead:
    return ImageDatasetRead.model_validate(dataset)


def require_ready(dataset: ImageDataset) -> None:
    if dataset.status != ImageDatasetStatus.READY:
        raise InvalidState(f"image dataset {dataset.id} is {dataset.status}")


def update(
    session: Session, actor: Actor, dataset_id: uuid.UUID, change: ImageDatasetUpdate
) -> ImageDataset:
    actor.require("image-datasets:write")
    dataset = get_owned(session, actor, dataset_id)
    changed = change.model_dump(exclude_unset=True, exclude_none=True)
    for field, value in changed.items():
        setattr(dataset, field, value)
    audit.record(
        session,
        actor.audit,
        "image_dataset.update",
        target_type="image_dataset",
        target_id=dataset.id,
        details={"fields": sorted(changed)},
    )
    session.flush()
    return dataset


def cancel(session: Session, actor: Actor, dataset_id: uuid.UUID) -> Job:
    dataset = get_owned(session, actor, dataset_id)
    if dataset.job_id is None:
        raise InvalidState(f"image dataset {dataset.id} has no job: it was uploaded")
    return jobs.act(session, actor, dataset.job_id, Action.CANCEL)


def delete(session: Session, actor: Actor, dataset_id: uuid.UUID) -> None:
    actor.require("image-datasets:write")
    dataset = get_owned(session, actor, dataset_id)
    if (busy := jobs.active_job_for(session, dataset.id)) is not None:
        raise InvalidState(f"image dataset {dataset.id} is being made by job {busy}")
    reader = session.scalar(
        select(ImageDataset.job_id)
        .where(ImageDataset.source_dataset_id == dataset.id, active_job(ImageDataset.job_id))
        .limit(1)
    )
    if reader is not None:
        raise InvalidState(f"image dataset {dataset.id} is being augmented by job {reader}")
    folder = dataset.folder
    session.delete(dataset)
    audit.record(
        session,
        actor.audit,
        "image_dataset.delete",
        target_type="image_dataset",
        target_id=dataset_id,
    )
    if folder:
        layout.remove_after_commit(session, runtime.storage(), folder)


def images_page(
    session: Session,
    actor: Actor,
    dataset_id: uuid.UUID,
    *,
    label: str | None,
    limit: int,
    after: int,
) -> tuple[list[DatasetImage], int | None]:
    """Images in manifest order after position ``after``; the second value is the next
    ``after`` (``None`` on the last page)."""
    dataset = get_owned(session, actor, dataset_id)
    require_ready(dataset)
    statement = select(DatasetImage).where(
        DatasetImage.dataset_id == dataset.id, DatasetImage.position > after
    )
    if label is not None:
        if label not in dataset.labels:
            raise InvalidInput(f"{label!r} is not a label of this dataset", field="label")
        statement = statement.where(DatasetImage.label == label)
    rows = list(session.scalars(statement.order_by(DatasetImage.position).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], rows[limit - 1].position


def image_key(session: Session, actor: Actor, dataset_id: uuid.UUID, image_id: int) -> str:
    dataset = get_owned(session, actor, dataset_id)
    require_ready(dataset)
    image = session.get(DatasetImage, (dataset.id, image_id))
    if image is None:
        raise NotFound(f"image dataset {dataset_id} has no image {image_id}")
    return data_key(dataset.folder, image.file)


def preview(session: Session, actor: Actor, dataset_id: uuid.UUID, limit: int) -> list[Thumbnail]:
    """Up to ``limit`` thumbnails, taken in turn from each label (first images first)."""
    dataset = get_owned(session, actor, dataset_id)
    require_ready(dataset)
    limit = max(1, min(limit, MAX_PREVIEW))
    images = session.scalars(
        select(DatasetImage)
        .where(DatasetImage.dataset_id == dataset.id)
        .order_by(DatasetImage.index_in_label, DatasetImage.position)
        .limit(limit)
    )
    storage = runtime.storage()
    return [
        Thumbnail(
            image_id=image.position,
            label=image.label,
            file=image.file,
            data=base64.b64encode(storage.get(thumbnail_key(dataset.folder, image.file))).decode(),
        )
        for image in images
    ]


def _default_name(labels: list[str], per_label: int) -> str:
    shown = ", ".join(labels[:3]) + (f" and {len(labels) - 3} more" if len(labels) > 3 else "")
    return f"{shown}: {per_label} each"[:200]


def _stem(file_name: str | None) -> str | None:
    if not file_name:
        return None
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    return base[:-4] if base.lower().endswith(".zip") else base
