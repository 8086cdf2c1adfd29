from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel

from synthfoundry import __version__
from synthfoundry.api.deps import DatabaseDep, SessionDep, StorageDep
from synthfoundry.db.instance import get_instance_id
from synthfoundry.synthesizers import list_synthesizers

router = APIRouter(prefix="/v1", tags=["system"])


class Backends(BaseModel):
    database: str
    storage: str


class About(BaseModel):
    name: str
    version: str
    api_version: str
    instance_id: uuid.UUID
    modalities: list[str]
    backends: Backends


@router.get("/about", response_model=About)
def get_about(session: SessionDep, database: DatabaseDep, storage: StorageDep) -> About:
    """Version, deployment id, the modalities this server can synthesise, and its backends."""
    return About(
        name="synthfoundry",
        version=__version__,
        api_version="v1",
        instance_id=get_instance_id(session),
        modalities=sorted({str(cls.capabilities.modality) for cls in list_synthesizers().values()}),
        backends=Backends(database=database.backend, storage=storage.protocol),
    )
