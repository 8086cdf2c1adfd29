"""Generators: a synthesizer and its parameters bound to a dataset; trained by a job, probed
synchronously."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from synthfoundry import audit, layout, runtime
from synthfoundry.accounts.actor import Actor
from synthfoundry.accounts.ownership import get_visible, list_visible
from synthfoundry.datasets import service as datasets
from synthfoundry.db.base import new_id, utcnow
from synthfoundry.db.pagination import Page
from synthfoundry.errors import InvalidInput, InvalidState, NotFound
from synthfoundry.generators import artifacts, model_files
from synthfoundry.generators.jobs.params import OptimizeParams, TrainParams
from synthfoundry.generators.models import Generator
from synthfoundry.generators.schemas import (
    GeneratorCreate,
    GeneratorStatus,
    GeneratorUpdate,
    OptimizeRequest,
    ProbeRequest,
)
from synthfoundry.jobs import service as jobs
from synthfoundry.jobs.models import Job
from synthfoundry.synthesizers.base import Modality
from synthfoundry.synthesizers.registry import DEFAULT_SYNTHESIZER, synthesizer_class
from synthfoundry.tabular.metadata import Metadata


def create(session: Session, actor: Actor, request: GeneratorCreate) -> Generator:
    dataset = datasets.require_ready(datasets.get_owned(session, actor, request.dataset_id))
    name = request.synthesizer or DEFAULT_SYNTHESIZER
    cls = synthesizer_class(name)
    if cls.capabilities.modality != Modality.TABULAR:
        raise InvalidInput(
            f"{name} is a {cls.capabilities.modality} model, not a tabular one",
            field="synthesizer",
        )
    params = cls(request.params).params.model_dump(mode="json")  # validates, fills defaults
    metadata = Metadata.model_validate(dataset.column_metadata)
    metadata.with_overrides(dict(request.column_overrides))  # names every unknown column
    generator = Generator(
        owner_id=actor.user_id,
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
        actor.audit,
        "generator.create",
        target_type="generator",
        target_id=generator.id,
        details={"synthesizer": name, "dataset_id": str(dataset.id)},
    )
    return generator


def get_owned(session: Session, actor: Actor, generator_id: uuid.UUID) -> Generator:
    return get_visible(session, Generator, actor.principal, generator_id, "generator")


def list_page(
    session: Session, actor: Actor, *, all_owners: bool, limit: int, cursor: str | None
) -> Page[Generator]:
    return list_visible(
        session, Generator, actor.principal, all_owners=all_owners, limit=limit, cursor=cursor
    )


def rename(
    session: Session, actor: Actor, generator_id: uuid.UUID, change: GeneratorUpdate
) -> Generator:
    generator = get_owned(session, actor, generator_id)
    if change.name is None:
        return generator
    generator.name = change.name
    audit.record(
        session,
        actor.audit,
        "generator.update",
        target_type="generator",
        target_id=generator.id,
        details=change.model_dump(mode="json"),
    )
    return generator


def export_model(generator: Generator) -> Iterator[bytes]:
    """The trained model as a ZIP of the files the library's ``save`` writes."""
    return model_files.model_archive(runtime.storage(), require_ready(generator))


def import_model(
    session: Session, actor: Actor, upload: IO[bytes], name: str | None = None
) -> Generator:
    """A ready generator from a model ZIP (``export_model``'s, or a zipped folder the library
    saved), checked before anything is stored; it has no dataset, so it cannot be retrained."""
    actor.require("generators:write")
    storage = runtime.storage()
    with tempfile.TemporaryDirectory(prefix="synthfoundry-import-") as directory:
        received = datasets.receive(
            upload, Path(directory), model_files.ModelLimits().max_archive_bytes
        )
        folder = Path(directory) / "model"
        model_files.unpack_model(received, folder)
        synthesizer = model_files.load_verified(folder)
        generator = Generator(
            owner_id=actor.user_id,
            dataset_id=None,
            name=name or f"{synthesizer.name} (imported)",
            synthesizer=synthesizer.name,
            params=synthesizer.params.model_dump(mode="json"),
            column_overrides={},
            trained_at=utcnow(),
        )
        session.add(generator)
        session.flush()
        prefix = layout.object_folder(layout.GENERATORS, generator.owner_id, generator.id)
        prefix += f"models/{new_id()}/"
        layout.remove_on_rollback(session, storage, prefix)
        artifacts.upload_folder(storage, folder, prefix)
    generator.model_key = prefix
    audit.record(
        session,
        actor.audit,
        "generator.import",
        target_type="generator",
        target_id=generator.id,
        details={"synthesizer": synthesizer.name},
    )
    return generator


def train(session: Session, actor: Actor, generator_id: uuid.UUID) -> Job:
    actor.require("generators:write")
    generator = get_owned(session, actor, generator_id)
    if generator.dataset_id is None:
        raise InvalidState(f"generator {generator.id} lost its dataset; create a new one")
    if (busy := jobs.active_job_for(session, generator.id)) is not None:
        raise InvalidState(f"generator {generator.id} is being trained by job {busy}")
    params = TrainParams(generator_id=generator.id, queue=queue_of(generator))
    job = jobs.submit(session, actor, params, target=generator)
    generator.training_job_id = job.id
    return job


def queue_of(generator: Generator) -> str:
    return synthesizer_class(generator.synthesizer).queue_for(generator.params)


def optimize(
    session: Session, actor: Actor, generator_id: uuid.UUID, request: OptimizeRequest
) -> Job:
    actor.require("generators:write")
    generator = get_owned(session, actor, generator_id)
    if not synthesizer_class(generator.synthesizer).searchable():
        raise InvalidInput(
            f"no search space is known for {generator.synthesizer}", field="synthesizer"
        )
    if generator.dataset_id is None:
        raise InvalidState(f"generator {generator.id} lost its dataset; create a new one")
    if request.metric != "fidelity":
        dataset = datasets.get_owned(session, actor, generator.dataset_id)
        names = [column["name"] for column in dataset.column_metadata["columns"]]
        if request.target not in names:
            raise InvalidInput(
                f"metric {request.metric} needs a target column of the dataset", field="target"
            )
    if (busy := jobs.active_job_for(session, generator.id)) is not None:
        raise InvalidState(f"generator {generator.id} is in use by job {busy}")
    params = OptimizeParams(
        generator_id=generator.id, queue=queue_of(generator), **request.model_dump()
    )
    return jobs.submit(session, actor, params, target=generator)


def delete(session: Session, actor: Actor, generator_id: uuid.UUID) -> None:
    generator = get_owned(session, actor, generator_id)
    if (busy := jobs.active_job_for(session, generator.id)) is not None:
        raise InvalidState(f"generator {generator.id} is in use by job {busy}; cancel it first")
    folder = layout.object_folder(layout.GENERATORS, generator.owner_id, generator.id)
    session.delete(generator)
    audit.record(
        session, actor.audit, "generator.delete", target_type="generator", target_id=generator_id
    )
    layout.remove_after_commit(session, runtime.storage(), folder)


def require_ready(generator: Generator) -> str:
    if generator.status != GeneratorStatus.READY or generator.model_key is None:
        raise InvalidState(f"generator {generator.id} is {generator.status}; train it first")
    return generator.model_key


def columns_of(session: Session, actor: Actor, generator: Generator) -> list[str] | None:
    """The columns a generator's rows have: its dataset's, else (the dataset deleted) its
    trained model's; ``None`` when neither is at hand."""
    if generator.dataset_id is not None:
        try:
            dataset = datasets.get_owned(session, actor, generator.dataset_id)
        except NotFound:
            dataset = None
        if dataset is not None and (columns := (dataset.column_metadata or {}).get("columns")):
            return [str(column["name"]) for column in columns]
    if generator.model_key is None:
        return None
    return artifacts.trained_columns(runtime.storage(), generator.model_key)


def probe(generator: Generator, request: ProbeRequest) -> dict[str, Any]:
    """A few rows, at once, from a trained generator."""
    key = require_ready(generator)
    with artifacts.loaded(runtime.storage(), key) as synthesizer:
        sample_request = synthesizer.SampleRequest.model_validate(
            request.model_dump(include={"rows", "conditions", "seed"})
        )
        frame = synthesizer.sample(sample_request)
    return {
        "columns": list(frame.columns),
        "rows": frame.astype(object).where(frame.notna(), None).to_dict("records"),
    }
