from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Protocol, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from synthfoundry.progress import Progress, silent
from synthfoundry.suggestions import invalid, model_keys, unknown_name


class Modality(StrEnum):
    TABULAR = "tabular"
    IMAGE = "image"
    VIDEO = "video"


class Capabilities(BaseModel):
    """What generic code (training, generation, probe, search, queues) dispatches on."""

    model_config = ConfigDict(frozen=True)

    modality: Modality
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


class Trial(Protocol):
    """The part of an Optuna trial a search space uses (the library does not import Optuna)."""

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int: ...

    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False) -> float: ...

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any: ...


class Synthesizer(ABC):
    """A generative model of any modality: ``__init__`` stores parameters only; ``fit`` learns;
    ``sample`` makes rows, images or a rendered asset from a ``SampleRequest``."""

    name: ClassVar[str]
    Params: ClassVar[type[BaseModel]]
    SampleRequest: ClassVar[type[BaseModel]]
    capabilities: ClassVar[Capabilities]
    description: ClassVar[str] = ""

    def __init__(self, params: BaseModel | dict[str, Any] | None = None, **overrides: Any) -> None:
        given = params.model_dump() if isinstance(params, BaseModel) else dict(params or {})
        self.params = self.validate_params({**given, **overrides})

    @classmethod
    def known_params(cls) -> set[str]:
        """The parameter names ``Params`` accepts (field names and their aliases)."""
        return model_keys(cls.Params)

    @classmethod
    def validate_params(cls, given: Mapping[str, Any]) -> BaseModel:
        """``Params`` from new input: an unknown name is refused, never dropped (a misspelt
        ``epoch`` would otherwise train with the default ``epochs``), and every problem is named
        with its path (``params.epoch``)."""
        known = cls.known_params()
        open_ended = cls.Params.model_config.get("extra") == "allow"
        unknown = [] if open_ended else [str(key) for key in given if key not in known]
        field_errors = [(f"params.{key}", unknown_name("parameter", key, known)) for key in unknown]
        validated: BaseModel | None = None
        try:
            validated = cls.Params.model_validate(
                {key: value for key, value in given.items() if key not in unknown}
            )
        except ValidationError as exc:
            field_errors += [
                (".".join(["params", *(str(part) for part in error["loc"])]), error["msg"])
                for error in exc.errors()
            ]
        if field_errors or validated is None:
            raise invalid(field_errors, subject=f"{cls.name} ")
        return validated

    @classmethod
    def stored_params(cls, params: Mapping[str, Any]) -> dict[str, Any]:
        """Parameters written earlier (a saved model, a generator's row), without the names this
        version does not know: stored data keeps loading after a parameter is renamed or
        removed, while new input stays strict."""
        if cls.Params.model_config.get("extra") == "allow":
            return dict(params)
        known = cls.known_params()
        return {key: value for key, value in params.items() if key in known}

    @classmethod
    def params_schema(cls) -> dict[str, Any]:
        return cls.Params.model_json_schema()

    @classmethod
    def sample_request_schema(cls) -> dict[str, Any]:
        return cls.SampleRequest.model_json_schema()

    @classmethod
    def search_space(cls, trial: Trial, max_epochs: int) -> dict[str, Any] | None:
        """Parameters to try in one hyper-parameter search trial; ``None``: nothing to search."""
        return None

    @classmethod
    def searchable(cls) -> bool:
        """Whether the model defines a search space (hyper-parameter search can run)."""
        own = getattr(cls.search_space, "__func__", None)
        return own is not getattr(Synthesizer.search_space, "__func__", None)

    @classmethod
    def queue_for(cls, params: dict[str, Any]) -> str:
        """``gpu`` for a model that can use one and is asked to (``device="cuda"``), else
        ``cpu``: "auto" runs wherever a worker is free."""
        wants_gpu = params.get("device") == "cuda"
        return "gpu" if cls.capabilities.gpu and wants_gpu else "cpu"

    @abstractmethod
    def fit(
        self,
        data: Any,
        metadata: Any = None,
        *,
        progress: Progress = silent,
        stop: Stop = never,
        checkpoint_dir: str | Path | None = None,
        on_checkpoint: Callable[[], None] | None = None,
    ) -> Self:
        """Learn from ``data``; ``stop`` is checked at step boundaries (a pause checkpoints
        first under ``checkpoint_dir``, and a later fit resumes from there). ``on_checkpoint``
        is called each time a complete checkpoint is in ``checkpoint_dir``, for a caller that
        keeps it elsewhere too."""

    def training_summary(self) -> dict[str, Any]:
        """What the last fit said of itself, ready for JSON: ``seconds`` spent fitting (summed
        over a paused fit and its resumption) and, for models trained in epochs, ``epochs``,
        ``final_losses`` and a ``loss_curve`` of at most 200 epochs. Empty for a model that does
        not record it, or one loaded from a file written before it did."""
        return dict(getattr(self, "training_", {}))

    @abstractmethod
    def sample(self, request: Any, /, *, progress: Progress = silent) -> Any:
        """Make data for ``request`` (an instance of ``SampleRequest``, or what the modality
        accepts in its place, such as a row count for tables)."""

    @abstractmethod
    def save(self, directory: str | Path) -> None:
        """Write the fitted model as JSON and arrays (never pickle)."""

    @classmethod
    @abstractmethod
    def load(cls, directory: str | Path) -> Self:
        """Read a model written by ``save``."""
