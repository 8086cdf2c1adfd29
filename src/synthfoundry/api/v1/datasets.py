from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse

from synthfoundry.accounts.actor import Actor
from synthfoundry.api.deps import SessionDep, SettingsDep
from synthfoundry.api.pagination import Cursor, Limit, PageOf
from synthfoundry.api.problems import AUTH_PROBLEMS, problem_response
from synthfoundry.api.security import require_scope
from synthfoundry.datasets import imports, service
from synthfoundry.datasets.exports import safe_stem
from synthfoundry.datasets.profile import profile
from synthfoundry.datasets.schemas import (
    DatasetImport,
    DatasetPreview,
    DatasetRead,
    DatasetStats,
    DatasetUpdate,
)
from synthfoundry.tabular.metadata import Metadata

router = APIRouter(prefix="/v1/datasets", tags=["datasets"], responses=AUTH_PROBLEMS)

DatasetsRead = Annotated[Actor, require_scope("datasets:read")]
DatasetsWrite = Annotated[Actor, require_scope("datasets:write")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem_response("No such dataset of yours")}
MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
    "zip": "application/zip",
}


@router.post(
    "",
    response_model=DatasetRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        413: problem_response("The file exceeds the upload limit"),
        415: problem_response("Not CSV, TSV, JSON, JSON Lines or Parquet, or a misleading name"),
        422: problem_response("Malformed file: the row or column is named"),
    },
)
def upload_dataset(
    actor: DatasetsWrite,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="CSV, TSV, Parquet, JSON or JSON Lines; .gz")],
    name: Annotated[str | None, Form(max_length=200)] = None,
    description: Annotated[str, Form(max_length=10_000)] = "",
) -> DatasetRead:
    """Upload a table. The format is read from the content; the file is stored as Parquet.
    Large files are parsed by a job: the dataset answers `ingesting` until it is `ready`."""
    dataset = service.create(
        session, actor, file.file, file.filename, name=name, description=description
    )
    return service.to_read(dataset)


@router.post(
    "/import",
    response_model=DatasetRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        403: problem_response("The path leads out of the import directory"),
        404: problem_response("Imports are off on this server, or there is no such file"),
        413: problem_response("The file exceeds the upload limit"),
        415: problem_response("Not CSV, TSV, JSON, JSON Lines or Parquet, or a misleading name"),
        422: problem_response("Not a readable regular file, or a malformed one"),
    },
)
def import_dataset(body: DatasetImport, actor: DatasetsWrite, session: SessionDep) -> DatasetRead:
    """Create a dataset from a file on the server's disk, inside the folder an operator set as
    `SYNTHFOUNDRY_DATASETS__IMPORT_DIR` (404 while unset); `path` is relative to that folder.
    The file then goes the way of an upload: large files are parsed by a job."""
    return service.to_read(imports.create_from_import(session, actor, body))


@router.get("", response_model=PageOf[DatasetRead])
def list_datasets(
    actor: DatasetsRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    all_owners: Annotated[bool, Query(description="every user's datasets (admin)")] = False,
) -> PageOf[DatasetRead]:
    """Your datasets, newest first."""
    page = service.list_page(session, actor, all_owners=all_owners, limit=limit, cursor=cursor)
    return PageOf[DatasetRead](
        items=[service.to_read(dataset) for dataset in page.items], next_cursor=page.next_cursor
    )


@router.get("/{dataset_id}", response_model=DatasetRead, responses=NOT_FOUND)
def get_dataset(dataset_id: uuid.UUID, actor: DatasetsRead, session: SessionDep) -> DatasetRead:
    """One of your datasets, with each column's kind."""
    return service.to_read(service.get_owned(session, actor, dataset_id))


@router.patch("/{dataset_id}", response_model=DatasetRead, responses=NOT_FOUND)
def update_dataset(
    dataset_id: uuid.UUID,
    body: DatasetUpdate,
    actor: DatasetsWrite,
    session: SessionDep,
) -> DatasetRead:
    """Rename, describe, or override column kinds (e.g. a numeric code as categorical)."""
    dataset = service.update(session, actor, dataset_id, body)
    return service.to_read(dataset)


@router.delete(
    "/{dataset_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**NOT_FOUND, 409: problem_response("A running job uses the dataset")},
)
def delete_dataset(
    dataset_id: uuid.UUID,
    actor: DatasetsWrite,
    session: SessionDep,
) -> Response:
    """Delete a dataset and its file; refused while a job uses it."""
    service.delete(session, actor, dataset_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{dataset_id}/stats", response_model=DatasetStats, responses=NOT_FOUND)
def dataset_stats(dataset_id: uuid.UUID, actor: DatasetsRead, session: SessionDep) -> DatasetStats:
    """Per column: kind, nulls, distinct values, min, max, mean, quantiles, top values."""
    dataset = service.get_owned(session, actor, dataset_id)
    metadata = Metadata.model_validate(dataset.column_metadata)
    return profile(service.read_table(dataset), metadata)


@router.get("/{dataset_id}/preview", response_model=DatasetPreview, responses=NOT_FOUND)
def preview_dataset(
    dataset_id: uuid.UUID,
    actor: DatasetsRead,
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=100_000, description="rows")] = 20,
) -> DatasetPreview:
    """The first rows."""
    dataset = service.get_owned(session, actor, dataset_id)
    rows = min(limit, settings.datasets.preview_max_rows)
    return DatasetPreview.model_validate(service.preview(dataset, rows))


@router.get(
    "/{dataset_id}/download",
    response_class=StreamingResponse,
    responses={**NOT_FOUND, 200: {"content": {t: {} for t in MEDIA_TYPES.values()}}},
)
def download_dataset(
    dataset_id: uuid.UUID,
    actor: DatasetsRead,
    session: SessionDep,
    file_format: Annotated[Literal["csv", "json", "parquet", "zip"], Query(alias="format")] = "csv",
) -> StreamingResponse:
    """The dataset as CSV (spreadsheet formulas neutralised), JSON, Parquet or a ZIP of CSV."""
    dataset = service.get_owned(session, actor, dataset_id)
    file_name = f"{safe_stem(dataset.name)}.{file_format}"
    return StreamingResponse(
        service.export(dataset, file_format),
        media_type=MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{file_name}"'},
    )
