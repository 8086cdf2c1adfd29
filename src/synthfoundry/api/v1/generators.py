from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse

from synthfoundry.accounts.actor import Actor
from synthfoundry.api.accepted import JOB_PROBLEMS, job_accepted
from synthfoundry.api.deps import AppStateDep, SessionDep
from synthfoundry.api.pagination import Cursor, Limit, PageOf
from synthfoundry.api.problems import AUTH_PROBLEMS, Responses, problem_response
from synthfoundry.api.security import require_scope
from synthfoundry.datasets.exports import safe_stem
from synthfoundry.generators import service
from synthfoundry.generators.models import Generator
from synthfoundry.generators.schemas import (
    GeneratorCreate,
    GeneratorRead,
    GeneratorUpdate,
    OptimizeRequest,
    ProbeRequest,
    ProbeResult,
)
from synthfoundry.jobs.schemas import JobRead

router = APIRouter(prefix="/v1/generators", tags=["generators"], responses=AUTH_PROBLEMS)

GeneratorsRead = Annotated[Actor, require_scope("generators:read")]
GeneratorsWrite = Annotated[Actor, require_scope("generators:write")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: problem_response("No such generator of yours")}
NOT_TRAINED: Responses = {409: problem_response("Not trained yet")}


@router.post(
    "",
    response_model=GeneratorRead,
    status_code=status.HTTP_201_CREATED,
    responses={404: problem_response("No such dataset of yours")},
)
def create_generator(
    body: GeneratorCreate, actor: GeneratorsWrite, session: SessionDep
) -> Generator:
    """Bind a synthesizer (default: the default model) and its parameters to a dataset."""
    return service.create(session, actor, body)


@router.get("", response_model=PageOf[GeneratorRead])
def list_generators(
    actor: GeneratorsRead,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    all_owners: Annotated[bool, Query(description="every user's generators (admin)")] = False,
) -> PageOf[GeneratorRead]:
    """Your generators, newest first."""
    page = service.list_page(session, actor, all_owners=all_owners, limit=limit, cursor=cursor)
    return PageOf[GeneratorRead](
        items=[GeneratorRead.model_validate(g) for g in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/import",
    response_model=GeneratorRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        413: problem_response("The archive or one of its files exceeds the limit"),
        422: problem_response("Not a valid model archive: the file and the reason are named"),
    },
)
def import_generator(
    actor: GeneratorsWrite,
    session: SessionDep,
    file: Annotated[
        UploadFile, File(description="a ZIP of synthesizer.json and arrays.npz, as exported")
    ],
    name: Annotated[str | None, Form(min_length=1, max_length=200)] = None,
) -> Generator:
    """Upload a trained model (from `GET /v1/generators/{id}/model`, or a folder the library's
    `save` wrote, zipped): its checksums are verified and nothing is unpickled. The generator is
    ready to generate; having no dataset, it cannot be retrained."""
    return service.import_model(session, actor, file.file, name)


@router.get("/{generator_id}", response_model=GeneratorRead, responses=NOT_FOUND)
def get_generator(generator_id: uuid.UUID, actor: GeneratorsRead, session: SessionDep) -> Generator:
    """One generator: its model, parameters, status and training report."""
    return service.get_owned(session, actor, generator_id)


@router.patch("/{generator_id}", response_model=GeneratorRead, responses=NOT_FOUND)
def update_generator(
    generator_id: uuid.UUID, body: GeneratorUpdate, actor: GeneratorsWrite, session: SessionDep
) -> Generator:
    """Rename a generator."""
    return service.rename(session, actor, generator_id, body)


@router.get(
    "/{generator_id}/model",
    response_class=StreamingResponse,
    responses={**NOT_FOUND, **NOT_TRAINED, 200: {"content": {"application/zip": {}}}},
)
def export_generator_model(
    generator_id: uuid.UUID, actor: GeneratorsRead, session: SessionDep
) -> StreamingResponse:
    """The trained model as a ZIP of `synthesizer.json` (parameters, metadata, fitted state and
    SHA-256 checksums) and `arrays.npz`: unzipped, `synthfoundry.load_synthesizer` reads it, and
    `POST /v1/generators/import` takes it back."""
    generator = service.get_owned(session, actor, generator_id)
    chunks = service.export_model(generator)
    file_name = f"{safe_stem(generator.name)}.model.zip"
    return StreamingResponse(
        chunks,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{file_name}"'},
    )


@router.delete(
    "/{generator_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={**NOT_FOUND, 409: problem_response("A job uses the generator")},
)
def delete_generator(
    generator_id: uuid.UUID,
    actor: GeneratorsWrite,
    session: SessionDep,
) -> Response:
    """Delete a generator and its model."""
    service.delete(session, actor, generator_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{generator_id}/train",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        **NOT_FOUND,
        409: problem_response("Already training"),
        **JOB_PROBLEMS,
    },
)
def train_generator(
    response: Response,
    generator_id: uuid.UUID,
    actor: GeneratorsWrite,
    session: SessionDep,
    state: AppStateDep,
) -> JobRead:
    """Train in the background: a job with the stages load, analyse, encode, train, report."""
    return job_accepted(state, actor, response, lambda: service.train(session, actor, generator_id))


@router.post(
    "/{generator_id}/optimize",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        **NOT_FOUND,
        409: problem_response("The generator is busy"),
        **JOB_PROBLEMS,
    },
)
def optimize_generator(
    response: Response,
    generator_id: uuid.UUID,
    body: OptimizeRequest,
    actor: GeneratorsWrite,
    session: SessionDep,
    state: AppStateDep,
) -> JobRead:
    """Search the model's parameters with Optuna (n_trials, metric: fidelity, utility or their
    mean); progress per trial; the best parameters are stored on the generator."""
    return job_accepted(
        state, actor, response, lambda: service.optimize(session, actor, generator_id, body)
    )


@router.post(
    "/{generator_id}/probe",
    response_model=ProbeResult,
    responses={**NOT_FOUND, **NOT_TRAINED},
)
def probe_generator(
    generator_id: uuid.UUID,
    body: ProbeRequest,
    actor: GeneratorsRead,
    session: SessionDep,
) -> dict[str, Any]:
    """Up to 1000 synthetic rows at once, optionally with conditions."""
    generator = service.get_owned(session, actor, generator_id)
    return service.probe(generator, body)
