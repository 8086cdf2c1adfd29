"""Generators: a synthesizer and its parameters bound to a dataset; trained by a job, probed
synchronously."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from synthfoundry import audit
from synthfoundry.accounts.ownership import get_visible, list_visible
from synthfoundry.accounts.principal import Principal
from synthfoundry.audit.service import AuditContext
from synthfoundry.config import JobsSettings
from synthfoundry.datasets import service as datasets
from synthfoundry.db.engine import after_commit
from synthfoundry.db.pagination import Page
from synthfoundry.errors import InvalidInput, InvalidState
from synthfoundry.generators import artifacts
from synthfoundry.generators.models import Generator
from synthfoundry.generators.schemas import GeneratorCreate, OptimizeRequest, ProbeRequest
from synthfoundry.generators.search import SEARCH_SPACES
from synthfoundry.jobs import service as jobs
from synthfoundry.jobs.models import Job
from synthfoundry.storage import BlobStore
from synthfoundry.synthesizers.base import Modality
from synthfoundry.synthesizers.registry import DEFAULT_SYNTHESIZER, synthesizer_class
from synthfoundry.tabular.base import TabularSynthesizer
from synthfoundry.tabular.metadata import Metadata

TRAIN_KIND = "generators.train"
OPTIMIZE_KIND = "generators.optimize"


def create(
    session: Session, context: AuditContext, principal: Principal, request: GeneratorCreate
) -> Generator:
    dataset = datasets.require_ready(datasets.get_owned(session, principal, request.dataset_id))
    name = request.synthesizer or DEFAULT_SYNTHESIZER
    cls = synthesizer_class(name)
    if cls.modality != Modality.TABULAR:
        raise InvalidInput(
            f"{name} is a {cls.modality} model, not a tabular one", field="synthesizer"
        )
    params = cls(request.params).params.model_dump(mode="json")  # validates, fills defaults
    metadata = Metadata.model_validate(dataset.column_metadata)
    metadata.with_overrides(dict(request.column_overrides))  # names every unknown column
    generator = Generator(
        owner_id=principal.user_id,
        dataset_id=dataset.id,
        name=request.name or f"{name} on {dataset.name}"[:200],
        synthesizer=name,
        params=params,
        column_overrides={k: v.value for k, v in request.column_overrides.items()},
    )
    session.add(generator)
    session.flush()
    audit.record(
        session,
        context,
        "generator.create",
        target_type="generator",
        target_id=generator.id,
        details={"synthesizer": name, "dataset_id": str(dataset.id)},
    )
    return generator


def get_owned(session: Session, principal: Principal, generator_id: uuid.UUID) -> Generator:
    return get_visible(session, Generator, principal, generator_id, "generator")


def list_page(
    session: Session, principal: Principal, *, all_owners: bool, limit: int, cursor: str | None
) -> Page[Generator]:
    return list_visible(
        session, Generator, principal, all_owners=all_owners, limit=limit, cursor=cursor
    )


def train(
    session: Session,
    context: AuditContext,
    principal: Principal,
    settings: JobsSettings,
    generator_id: uuid.UUID,
) -> Job:
    generator = get_owned(session, principal, generator_id)
    if generator.dataset_id is None:
        raise InvalidState(f"generator {generator.id} lost its dataset; create a new one")
    if (busy := jobs.active_job_for(session, generator.id)) is not None:
        raise InvalidState(f"generator {generator.id} is being trained by job {busy}")
    job = jobs.create(
        session,
        context,
        principal,
        settings,
        TRAIN_KIND,
        {"generator_id": str(generator.id)},
        target_type="generator",
        target_id=generator.id,
    )
    generator.status = "training"
    generator.training_job_id = job.id
    return job


def optimize(
    session: Session,
    context: AuditContext,
    principal: Principal,
    settings: JobsSettings,
    generator_id: uuid.UUID,
    request: OptimizeRequest,
) -> Job:
    generator = get_owned(session, principal, generator_id)
    if generator.synthesizer not in SEARCH_SPACES:
        raise InvalidInput(
            f"no search space is known for {generator.synthesizer}", field="synthesizer"
        )
    if generator.dataset_id is None:
        raise InvalidState(f"generator {generator.id} lost its dataset; create a new one")
    if request.metric != "fidelity":
        dataset = datasets.get_owned(session, principal, generator.dataset_id)
        names = [column["name"] for column in dataset.column_metadata["columns"]]
        if request.target not in names:
            raise InvalidInput(
                f"metric {request.metric} needs a target column of the dataset", field="target"
            )
    if (busy := jobs.active_job_for(session, generator.id)) is not None:
        raise InvalidState(f"generator {generator.id} is in use by job {busy}")
    return jobs.create(
        session,
        context,
        principal,
        settings,
        OPTIMIZE_KIND,
        {"generator_id": str(generator.id), **request.model_dump(mode="json")},
        target_type="generator",
        target_id=generator.id,
    )


def delete(
    session: Session,
    context: AuditContext,
    principal: Principal,
    storage: BlobStore,
    generator_id: uuid.UUID,
) -> None:
    generator = get_owned(session, principal, generator_id)
    if (busy := jobs.active_job_for(session, generator.id)) is not None:
        raise InvalidState(f"generator {generator.id} is in use by job {busy}; cancel it first")
    prefix = model_prefix(generator)
    session.delete(generator)
    audit.record(
        session, context, "generator.delete", target_type="generator", target_id=generator_id
    )

    def remove_files() -> None:
        storage.delete_prefix(prefix)

    after_commit(session, remove_files)


def model_prefix(generator: Generator) -> str:
    return f"generators/{generator.owner_id}/{generator.id}/model/"


def require_ready(generator: Generator) -> str:
    if generator.status != "ready" or generator.model_key is None:
        raise InvalidState(f"generator {generator.id} is {generator.status}; train it first")
    return generator.model_key


def probe(storage: BlobStore, generator: Generator, request: ProbeRequest) -> dict[str, Any]:
    """A few rows, at once, from a trained generator."""
    key = require_ready(generator)
    conditions = _conditions(request.conditions)
    with artifacts.loaded(storage, key) as synthesizer:
        assert isinstance(synthesizer, TabularSynthesizer)
        frame = synthesizer.sample(request.rows, conditions=conditions, seed=request.seed)
    return {
        "columns": list(frame.columns),
        "rows": frame.astype(object).where(frame.notna(), None).to_dict("records"),
    }


def _conditions(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """JSON has no tuples: a two-number list is a range."""
    if not raw:
        return None
    return {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
