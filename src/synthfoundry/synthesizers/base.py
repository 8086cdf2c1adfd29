from __future__ import annotations

from abc import ABC, abstractmethod
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Protocol, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from synthfoundry.errors import InvalidInput


class Modality(StrEnum):
    TABULAR = "tabular"
    IMAGE = "image"
    VIDEO = "video"


class Capabilities(BaseModel):
    model_config = ConfigDict(frozen=True)

    needs_training: bool = True
    conditional: bool = False
    checkpoint: bool = False
    gpu: bool = False


class Stop(Protocol):
    def __call__(self) -> str | None:
        """``None`` to go on, else why to stop: "cancel" or "pause" (pause checkpoints first)."""


def never() -> str | None:
    return None


class StopTraining(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Synthesizer(ABC):
    """A generative model: ``__init__`` stores parameters only; ``fit`` learns; ``sample`` makes."""

    name: ClassVar[str]
    modality: ClassVar[Modality]
    Params: ClassVar[type[BaseModel]]
    capabilities: ClassVar[Capabilities] = Capabilities()
    description: ClassVar[str] = ""

    def __init__(self, params: BaseModel | dict[str, Any] | None = None, **overrides: Any) -> None:
        given = params.model_dump() if isinstance(params, BaseModel) else dict(params or {})
        try:
            self.params = self.Params.model_validate({**given, **overrides})
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "params"
            raise InvalidInput(
                f"{self.name} parameter {field}: {first['msg']}", field=field
            ) from None

    @classmethod
    def params_schema(cls) -> dict[str, Any]:
        return cls.Params.model_json_schema()

    @abstractmethod
    def save(self, directory: str | Path) -> None:
        """Write the fitted model as JSON and arrays (never pickle)."""

    @classmethod
    @abstractmethod
    def load(cls, directory: str | Path) -> Self:
        """Read a model written by ``save``."""
