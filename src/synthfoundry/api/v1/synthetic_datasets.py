from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import StreamingResponse

from synthfoundry.accounts.actor import Actor
from synthfoundry.api.accepted import JOB_PROBLEMS, job_accepted
from synthfoundry.api.deps import AppStateDep, SessionDep, SettingsDep, StorageDep
from synthfoundry.api.pagination import Cursor, Limit, PageOf
from synthfoundry.api.problems import AUTH_PROBLEMS, problem_response
from synthfoundry.api.security import require_scope
from synthfoundry.api.v1.datasets import MEDIA_TYPES
from synthfoundry.datasets.exports import export_table, safe_stem
from synthfoundry.datasets.schemas import DatasetPreview
from synthfoundry.jobs.schemas import JobRead
from synthfoundry.synthetic_datasets import service
from synthfoundry.synthetic_datasets.models import SyntheticDataset
from synthfoundry.synthetic_datasets.schemas import SyntheticDatasetCreate, SyntheticDatasetRead

router = APIRouter(
    prefix="/v1/synthetic-datasets", tags=["synthetic-datasets"], responses=AUTH_PROBLEMS
)

SyntheticRead = Annotated[Actor, require_scope("synthetic-datasets:read")]
SyntheticWrite = Annotated[Actor, require_scope("synthetic-datasets:write")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: problem_response("No such synthetic dataset of yours")
}


@router.post(
    "",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        404: problem_response("No such generator of yours"),
        409: problem_response("The generator is not trained"),
        **JOB_PROBLEMS,
    },
)
def create_synthetic_dataset(
    response: Response,
    body: SyntheticDatasetCreate,
    actor: SyntheticWrite,
    session: SessionDep,
    state: AppStateDep,
) -> JobRead:
    """Generate rows in the background; the job's target is the new synthetic dataset. Steer
    them with `conditions` (values, ranges, or counted groups: `size` may then be 0),
    `rebalance`, or `known` partial rows to complete."""
    return job_accepted(state, actor, response, lambda: service.create(session, actor, body))


@router.get("", response_model=PageOf[SyntheticDatasetRead])
def list_synthetic_datasets(
    actor: SyntheticRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    all_owners: Annotated[bool, Query(description="every user's (admin)")] = False,
) -> PageOf[SyntheticDatasetRead]:
    """Your synthetic datasets, newest first."""
    page = service.list_page(session, actor, all_owners=all_owners, limit=limit, cursor=cursor)
    return PageOf[SyntheticDatasetRead](
        items=[SyntheticDatasetRead.model_validate(s) for s in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/{synthetic_dataset_id}", response_model=SyntheticDatasetRead, responses=NOT_FOUND)
def get_synthetic_dataset(
    synthetic_dataset_id: uuid.UUID, actor: SyntheticRead, session: SessionDep
) -> SyntheticDataset:
    """One synthetic dataset: its request, status, size and quality report."""
    return service.get_owned(session, actor, synthetic_dataset_id)


@router.get(
    "/{synthetic_dataset_id}/preview",
    response_model=DatasetPreview,
    responses={**NOT_FOUND, 409: problem_response("Not ready yet")},
)
def preview_synthetic_dataset(
    synthetic_dataset_id: uuid.UUID,
    actor: SyntheticRead,
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=100_000, description="rows")] = 20,
) -> DatasetPreview:
    """The first rows, as a dataset's preview gives them."""
    synthetic = service.get_owned(session, actor, synthetic_dataset_id)
    rows = min(limit, settings.datasets.preview_max_rows)
    return DatasetPreview.model_validate(service.preview(synthetic, rows))


@router.get(
    "/{synthetic_dataset_id}/download",
    response_class=StreamingResponse,
    responses={
        **NOT_FOUND,
        409: problem_response("Not ready yet"),
        200: {"content": {t: {} for t in MEDIA_TYPES.values()}},
    },
)
def download_synthetic_dataset(
    synthetic_dataset_id: uuid.UUID,
    actor: SyntheticRead,
    session: SessionDep,
    storage: StorageDep,
    file_format: Annotated[
        Literal["csv", "json", "parquet", "zip"] | None,
        Query(alias="format", description="default: the format asked for at creation"),
    ] = None,
) -> StreamingResponse:
    """The rows as CSV (spreadsheet formulas neutralised), JSON, Parquet or a ZIP of CSV."""
    synthetic = service.get_owned(session, actor, synthetic_dataset_id)
    key = service.require_ready(synthetic)
    chosen = file_format or synthetic.file_format
    return StreamingResponse(
        export_table(storage, key, synthetic.name, chosen),  # type: ignore[arg-type]
        media_type=MEDIA_TYPES[chosen],
        headers={
            "Content-Disposition": f'attachment; filename="{safe_stem(synthetic.name)}.{chosen}"'
        },
    )


@router.delete(
    "/{synthetic_dataset_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**NOT_FOUND, 409: problem_response("Still being generated")},
)
def delete_synthetic_dataset(
    synthetic_dataset_id: uuid.UUID,
    actor: SyntheticWrite,
    session: SessionDep,
) -> Response:
    """Delete a synthetic dataset and its file."""
    service.delete(session, actor, synthetic_dataset_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
