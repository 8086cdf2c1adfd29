from __future__ import annotations

import sys
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from synthfoundry.accounts.actor import Actor
from synthfoundry.api.deps import AppStateDep, SessionDep
from synthfoundry.api.problems import AUTH_PROBLEMS, problem_response
from synthfoundry.api.security import require_scope
from synthfoundry.errors import NotFound
from synthfoundry.jobs.workers import live_workers_on_queue, stale_after_seconds
from synthfoundry.synthesizers import list_synthesizers
from synthfoundry.synthesizers.base import Capabilities, Synthesizer
from synthfoundry.synthesizers.registry import DEFAULT_SYNTHESIZER, unavailable_synthesizers

router = APIRouter(prefix="/v1/synthesizers", tags=["synthesizers"], responses=AUTH_PROBLEMS)

# The catalogue is public knowledge to anyone who may use generators.
GeneratorsRead = Annotated[Actor, require_scope("generators:read")]


class GpuAvailability(BaseModel):
    cuda_here: bool = Field(description="the API process sees a CUDA device")
    gpu_queue_workers: int = Field(
        description="live workers taking the gpu queue, where device=cuda jobs run"
    )


class SynthesizerRead(BaseModel):
    name: str
    available: bool = Field(description="its Python dependencies are installed on this server")
    unavailable_reason: str | None = None
    modality: str | None = None
    description: str = ""
    default: bool = False
    capabilities: Capabilities | None = None
    params_schema: dict[str, Any] | None = None
    sample_request_schema: dict[str, Any] | None = None
    gpu: GpuAvailability | None = Field(
        default=None, description="for models that can use a GPU: where one is"
    )


def _read(cls: type[Synthesizer], gpu: GpuAvailability) -> SynthesizerRead:
    return SynthesizerRead(
        name=cls.name,
        available=True,
        modality=cls.capabilities.modality.value,
        description=cls.description,
        default=cls.name == DEFAULT_SYNTHESIZER,
        capabilities=cls.capabilities,
        params_schema=cls.params_schema(),
        sample_request_schema=cls.sample_request_schema(),
        gpu=gpu if cls.capabilities.gpu else None,
    )


def _gpu(session: SessionDep, state: AppStateDep) -> GpuAvailability:
    # torch is imported by the GPU-capable models already listed; never imported just for this.
    torch = sys.modules.get("torch")
    cuda_here = bool(torch is not None and torch.cuda.is_available())
    workers = live_workers_on_queue(session, "gpu", stale_after_seconds(state.settings.jobs))
    return GpuAvailability(cuda_here=cuda_here, gpu_queue_workers=workers)


@router.get("", response_model=list[SynthesizerRead])
def list_catalogue(
    actor: GeneratorsRead, session: SessionDep, state: AppStateDep
) -> list[SynthesizerRead]:
    """Every installed synthesizer: modality, capabilities, the JSON Schemas of its parameters
    and of its generation requests, where a GPU is for those that can use one, and, for a model
    whose dependencies are missing here, why it is unavailable."""
    gpu = _gpu(session, state)
    listed = [_read(cls, gpu) for cls in list_synthesizers().values()]
    missing = [
        SynthesizerRead(name=name, available=False, unavailable_reason=reason)
        for name, reason in unavailable_synthesizers().items()
    ]
    return sorted([*listed, *missing], key=lambda entry: entry.name)


@router.get(
    "/{name}", response_model=SynthesizerRead, responses={404: problem_response("No such model")}
)
def get_synthesizer_entry(
    name: str, actor: GeneratorsRead, session: SessionDep, state: AppStateDep
) -> SynthesizerRead:
    """One synthesizer of the catalogue."""
    found = list_synthesizers().get(name)
    if found is None:
        if reason := unavailable_synthesizers().get(name):
            return SynthesizerRead(name=name, available=False, unavailable_reason=reason)
        raise NotFound(f"no synthesizer {name!r}; see GET /v1/synthesizers")
    return _read(found, _gpu(session, state))
