from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse

from synthfoundry.accounts.actor import Actor
from synthfoundry.api.accepted import JOB_PROBLEMS, job_accepted
from synthfoundry.api.deps import AppStateDep, SessionDep, StorageDep
from synthfoundry.api.pagination import Cursor, Limit, PageOf
from synthfoundry.api.problems import AUTH_PROBLEMS, problem_response
from synthfoundry.api.security import require_scope
from synthfoundry.datasets.exports import safe_stem
from synthfoundry.errors import InvalidInput
from synthfoundry.image_datasets import service
from synthfoundry.image_datasets.builder import zip_key
from synthfoundry.image_datasets.schemas import (
    AugmentRequest,
    CollectCreate,
    ImageDatasetCreate,
    ImageDatasetRead,
    ImageDatasetStats,
    ImageDatasetUpdate,
    ImageRead,
    ProviderInfo,
    Thumbnail,
)
from synthfoundry.jobs.schemas import JobRead

router = APIRouter(prefix="/v1/image-datasets", tags=["image-datasets"], responses=AUTH_PROBLEMS)

ImagesRead = Annotated[Actor, require_scope("image-datasets:read")]
ImagesWrite = Annotated[Actor, require_scope("image-datasets:write")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: problem_response("No such image dataset of yours")
}
MAX_POSITION = 2**63 - 1
NOT_READY: dict[int | str, dict[str, Any]] = {409: problem_response("Not ready (yet)")}


@router.post(
    "",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={422: problem_response("A field is invalid: it is named"), **JOB_PROBLEMS},
)
def create_image_dataset(
    response: Response,
    body: ImageDatasetCreate,
    actor: ImagesWrite,
    session: SessionDep,
    state: AppStateDep,
) -> JobRead:
    """Make a labelled image dataset with a text-to-image model, in the background: stages
    load_model, generate (progress per image), post_process, package. The job's target is the
    new dataset."""
    return job_accepted(state, actor, response, lambda: service.create(session, actor, body))


@router.post(
    "/collect",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={422: problem_response("A field is invalid, or a provider unusable"), **JOB_PROBLEMS},
)
def collect_image_dataset(
    response: Response,
    body: CollectCreate,
    actor: ImagesWrite,
    session: SessionDep,
    state: AppStateDep,
) -> JobRead:
    """Collect a labelled dataset from image search providers and URL lists, in the background:
    stages search, download, validate, deduplicate, package. Every image keeps its source,
    license and attribution; the ZIP carries an ATTRIBUTION.txt."""
    return job_accepted(state, actor, response, lambda: service.collect(session, actor, body))


@router.get("/providers", response_model=list[ProviderInfo])
def list_providers(actor: ImagesRead) -> list[ProviderInfo]:
    """The collection providers, and why one cannot be used here (missing credentials)."""
    return service.providers()


@router.get("/stats", response_model=ImageDatasetStats)
def image_dataset_stats(
    actor: ImagesRead,
    session: SessionDep,
    all_owners: Annotated[bool, Query(description="every user's (admin)")] = False,
) -> ImageDatasetStats:
    """Your image datasets summed: by status, images, bytes, duplicates removed, invalid and
    refused downloads by reason."""
    return service.stats(session, actor, all_owners=all_owners)


@router.post(
    "/upload",
    response_model=ImageDatasetRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        413: problem_response("The file exceeds the upload limit"),
        422: problem_response("Not a safe ImageFolder ZIP: the member and the reason are named"),
    },
)
def upload_image_dataset(
    actor: ImagesWrite,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="a ZIP in ImageFolder layout: <label>/<image>")],
    name: Annotated[str | None, Form(max_length=200)] = None,
    description: Annotated[str, Form(max_length=10_000)] = "",
) -> ImageDatasetRead:
    """Upload an existing image dataset (for previews, augmentation and download)."""
    dataset = service.upload(
        session, actor, file.file, name=name, description=description, file_name=file.filename
    )
    return service.to_read(dataset)


@router.get("", response_model=PageOf[ImageDatasetRead])
def list_image_datasets(
    actor: ImagesRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    all_owners: Annotated[bool, Query(description="every user's (admin)")] = False,
) -> PageOf[ImageDatasetRead]:
    """Your image datasets, newest first."""
    page = service.list_page(session, actor, all_owners=all_owners, limit=limit, cursor=cursor)
    return PageOf[ImageDatasetRead](
        items=[service.to_read(dataset) for dataset in page.items], next_cursor=page.next_cursor
    )


@router.get("/{dataset_id}", response_model=ImageDatasetRead, responses=NOT_FOUND)
def get_image_dataset(
    dataset_id: uuid.UUID, actor: ImagesRead, session: SessionDep
) -> ImageDatasetRead:
    """One image dataset: its request, status, counts, time taken and device."""
    return service.to_read(service.get_owned(session, actor, dataset_id))


@router.patch("/{dataset_id}", response_model=ImageDatasetRead, responses=NOT_FOUND)
def update_image_dataset(
    dataset_id: uuid.UUID, body: ImageDatasetUpdate, actor: ImagesWrite, session: SessionDep
) -> ImageDatasetRead:
    """Rename or describe."""
    return service.to_read(service.update(session, actor, dataset_id, body))


@router.delete(
    "/{dataset_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**NOT_FOUND, 409: problem_response("A running job makes or reads it")},
)
def delete_image_dataset(
    dataset_id: uuid.UUID, actor: ImagesWrite, session: SessionDep
) -> Response:
    """Delete an image dataset and its files; refused while a job makes or reads it."""
    service.delete(session, actor, dataset_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{dataset_id}/cancel",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, 409: problem_response("Its job has finished, or it was uploaded")},
)
def cancel_image_dataset(dataset_id: uuid.UUID, actor: ImagesWrite, session: SessionDep) -> JobRead:
    """Cancel the job making the dataset; what it made so far is removed."""
    return JobRead.of(service.cancel(session, actor, dataset_id))


@router.post(
    "/{dataset_id}/augment",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={**NOT_FOUND, **NOT_READY, **JOB_PROBLEMS},
)
def augment_image_dataset(
    dataset_id: uuid.UUID,
    response: Response,
    body: AugmentRequest,
    actor: ImagesWrite,
    session: SessionDep,
    state: AppStateDep,
) -> JobRead:
    """A new dataset: every image of this one plus `variants_per_image` variants of each
    (flips, crops, rotations, colour jitter, noise), labels kept, each variant's operations in
    its manifest line."""
    return job_accepted(
        state, actor, response, lambda: service.augment(session, actor, dataset_id, body)
    )


@router.get(
    "/{dataset_id}/preview",
    response_model=list[Thumbnail],
    responses={**NOT_FOUND, **NOT_READY},
)
def preview_image_dataset(
    dataset_id: uuid.UUID,
    actor: ImagesRead,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PREVIEW, description="thumbnails")] = 8,
) -> list[Thumbnail]:
    """Thumbnails (JPEG, base64, at most 128 px), taken in turn from each label."""
    return service.preview(session, actor, dataset_id, limit)


@router.get(
    "/{dataset_id}/images",
    response_model=PageOf[ImageRead],
    responses={**NOT_FOUND, **NOT_READY},
)
def list_images(
    dataset_id: uuid.UUID,
    actor: ImagesRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    label: Annotated[str | None, Query(max_length=200, description="only this label")] = None,
) -> PageOf[ImageRead]:
    """The dataset's images in manifest order: label, seed, noise sigma, size."""
    after = _position(cursor)
    images, next_after = service.images_page(
        session, actor, dataset_id, label=label, limit=limit, after=after
    )
    return PageOf[ImageRead](
        items=[ImageRead.model_validate(image) for image in images],
        next_cursor=None if next_after is None else str(next_after),
    )


@router.get(
    "/{dataset_id}/images/{image_id}",
    response_class=StreamingResponse,
    responses={**NOT_FOUND, **NOT_READY, 200: {"content": {"image/png": {}}}},
)
def get_image(
    dataset_id: uuid.UUID,
    image_id: Annotated[int, Path(ge=1, le=MAX_POSITION)],
    actor: ImagesRead,
    session: SessionDep,
    storage: StorageDep,
) -> StreamingResponse:
    """One image file (PNG)."""
    key = service.image_key(session, actor, dataset_id, image_id)
    return StreamingResponse(storage.iter_chunks(key), media_type="image/png")


@router.get(
    "/{dataset_id}/download",
    response_class=StreamingResponse,
    responses={**NOT_FOUND, **NOT_READY, 200: {"content": {"application/zip": {}}}},
)
def download_image_dataset(
    dataset_id: uuid.UUID, actor: ImagesRead, session: SessionDep, storage: StorageDep
) -> StreamingResponse:
    """The dataset as a ZIP: `<label>/<number>.png`, `manifest.jsonl`, `dataset.json`."""
    dataset = service.get_owned(session, actor, dataset_id)
    service.require_ready(dataset)
    key = zip_key(dataset.folder)
    return StreamingResponse(
        storage.iter_chunks(key),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{safe_stem(dataset.name)}.zip"',
            "Content-Length": str(storage.size(key)),
        },
    )


def _position(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not (cursor.isascii() and cursor.isdigit() and int(cursor) <= MAX_POSITION):
        raise InvalidInput("cursor is not one this API returned", field="cursor")
    return int(cursor)
