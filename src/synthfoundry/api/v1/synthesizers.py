from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel

from synthfoundry.accounts.actor import Actor
from synthfoundry.api.problems import AUTH_PROBLEMS, problem_response
from synthfoundry.api.security import require_scope
from synthfoundry.errors import NotFound
from synthfoundry.synthesizers import list_synthesizers
from synthfoundry.synthesizers.base import Capabilities, Synthesizer
from synthfoundry.synthesizers.registry import DEFAULT_SYNTHESIZER

router = APIRouter(prefix="/v1/synthesizers", tags=["synthesizers"], responses=AUTH_PROBLEMS)

# The catalogue is public knowledge to anyone who may use generators.
GeneratorsRead = Annotated[Actor, require_scope("generators:read")]


class SynthesizerRead(BaseModel):
    name: str
    modality: str
    description: str
    default: bool
    capabilities: Capabilities
    params_schema: dict[str, Any]
    sample_request_schema: dict[str, Any]


def _read(cls: type[Synthesizer]) -> SynthesizerRead:
    return SynthesizerRead(
        name=cls.name,
        modality=cls.capabilities.modality.value,
        description=cls.description,
        default=cls.name == DEFAULT_SYNTHESIZER,
        capabilities=cls.capabilities,
        params_schema=cls.params_schema(),
        sample_request_schema=cls.sample_request_schema(),
    )


@router.get("", response_model=list[SynthesizerRead])
def list_catalogue(actor: GeneratorsRead) -> list[SynthesizerRead]:
    """Every registered synthesizer: modality, capabilities, and the JSON Schemas
    of its parameters and of its generation requests."""
    return [_read(cls) for cls in list_synthesizers().values()]


@router.get(
    "/{name}", response_model=SynthesizerRead, responses={404: problem_response("No such model")}
)
def get_synthesizer_entry(name: str, actor: GeneratorsRead) -> SynthesizerRead:
    """One synthesizer of the catalogue."""
    found = list_synthesizers().get(name)
    if found is None:
        raise NotFound(f"no synthesizer {name!r}; see GET /v1/synthesizers")
    return _read(found)
