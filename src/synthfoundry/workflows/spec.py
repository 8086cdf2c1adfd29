"""A workflow configuration: named steps of known types, each with its parameters, outputs passed
on by reference (``"$train.generator_id"``). ``problems`` reports everything wrong at once, each
problem at its JSON-pointer path; the checks that need the database (datasets the user can see)
are the service's."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from synthfoundry.image_datasets.schemas import CollectCreate, ImageDatasetCreate
from synthfoundry.synthesizers.registry import list_synthesizers
from synthfoundry.videos.schemas import ProductVideoCreate

STEP_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}", re.ASCII)
REFERENCE = re.compile(r"\$([a-z][a-z0-9_]{0,39})\.([a-z_]+)", re.ASCII)
MAX_STEPS = 20
Problem = tuple[str, str]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IngestParams(_Params):
    dataset_id: str = Field(description="a dataset of yours")


class TrainParams(_Params):
    dataset: str = Field(description="a dataset id or a reference such as $ingest.dataset_id")
    synthesizer: str | None = Field(default=None, description="default: the default model")
    params: dict[str, Any] = Field(default_factory=dict)
    column_overrides: dict[str, str] = Field(default_factory=dict)


class GenerateParams(_Params):
    generator: str = Field(description="$<train step>.generator_id or a generator id")
    size: int = Field(default=1000, ge=1, le=10_000_000)
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    conditions: dict[str, Any] | list[dict[str, Any]] | None = None
    format: Literal["csv", "json", "parquet"] = "csv"


class EvaluateParams(_Params):
    real: str = Field(description="the training dataset (id or reference)")
    synthetic: str = Field(description="$<generate step>.synthetic_dataset_id")
    holdout: str | None = Field(default=None, description="real rows never trained on")
    target: str | None = Field(default=None, max_length=200)


class Check(_Params):
    name: str | None = Field(default=None, max_length=100)
    metric: Literal[
        "fidelity",
        "utility",
        "utility_gap",
        "validity",
        "closer_to_train_share",
        "exact_copy_rate",
        "membership_inference_auc",
    ]
    min: float | None = None
    max: float | None = None


class TestParams(_Params):
    report: str = Field(description="$<evaluate step>.report_id")
    checks: list[Check] = Field(min_length=1, max_length=20)


class ExportParams(_Params):
    synthetic: str = Field(description="$<generate step>.synthetic_dataset_id")
    format: Literal["csv", "json", "parquet"] = "csv"
    destination: str | None = Field(
        default=None,
        max_length=300,
        description="a prefix in the platform's storage (an S3 bucket when it is S3); "
        "default: the run's own results, to download",
    )


PARAMS: dict[str, type[BaseModel]] = {
    "ingest": IngestParams,
    "train": TrainParams,
    "generate": GenerateParams,
    "evaluate": EvaluateParams,
    "test": TestParams,
    "export": ExportParams,
    # The other modalities' requests, as their own APIs take them.
    "images": ImageDatasetCreate,
    "collect": CollectCreate,
    "video": ProductVideoCreate,
}
OUTPUTS: dict[str, tuple[str, ...]] = {
    "ingest": ("dataset_id",),
    "train": ("generator_id",),
    "generate": ("synthetic_dataset_id",),
    "evaluate": ("report_id",),
    "test": ("passed",),
    "export": ("key",),
    "images": ("image_dataset_id",),
    "collect": ("image_dataset_id",),
    "video": ("video_id",),
}
# Which output a reference field must point to.
WANTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("train", "dataset"): ("dataset_id",),
    ("generate", "generator"): ("generator_id",),
    ("evaluate", "real"): ("dataset_id",),
    ("evaluate", "synthetic"): ("synthetic_dataset_id",),
    ("evaluate", "holdout"): ("dataset_id",),
    ("test", "report"): ("report_id",),
    ("export", "synthetic"): ("synthetic_dataset_id",),
}


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="unique in the workflow; references use it")
    type: str = Field(description=", ".join(PARAMS))
    params: dict[str, Any] = Field(default_factory=dict)


class WorkflowSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)


def problems(document: Any, check_id: Callable[[str, str, str], str | None]) -> list[Problem]:
    """Every problem of ``document`` as (JSON pointer, message). ``check_id(kind, value, path)``
    says what is wrong with a literal id (a dataset the user cannot see), or ``None``."""
    try:
        spec = WorkflowSpec.model_validate(document)
    except ValidationError as error:
        return [(_pointer(e["loc"]), e["msg"]) for e in error.errors(include_url=False)]
    found: list[Problem] = []
    seen: dict[str, str] = {}
    for index, step in enumerate(spec.steps):
        at = f"/steps/{index}"
        if not STEP_NAME.fullmatch(step.name):
            found.append((f"{at}/name", "use lower-case letters, digits and _ (40 at most)"))
        elif step.name in seen:
            found.append((f"{at}/name", f"step {step.name!r} is named twice"))
        if step.type not in PARAMS:
            hint = _suggest(step.type, PARAMS)
            found.append((f"{at}/type", f"unknown step type {step.type!r}{hint}"))
            seen.setdefault(step.name, "")
            continue
        found += _step_problems(step, at, seen, check_id)
        seen.setdefault(step.name, step.type)
    return found


def _step_problems(
    step: Step, at: str, seen: dict[str, str], check_id: Callable[[str, str, str], str | None]
) -> list[Problem]:
    found: list[Problem] = []
    try:
        params = PARAMS[step.type].model_validate(step.params)
    except ValidationError as error:
        for e in error.errors(include_url=False):
            message = e["msg"]
            if e["type"] == "extra_forbidden":
                known = PARAMS[step.type].model_fields
                message = f"unknown parameter{_suggest(str(e['loc'][-1]), known)}"
            found.append((f"{at}/params{_pointer(e['loc'])}", message))
        return found
    for (step_type, field), wanted in WANTS.items():
        value = getattr(params, field, None) if step_type == step.type else None
        if value is None:
            continue
        where = f"{at}/params/{field}"
        if value.startswith("$"):
            found += _reference_problems(value, wanted, seen, where)
        elif (problem := check_id(wanted[0], value, where)) is not None:
            found.append((where, problem))
    if isinstance(params, IngestParams) and (
        problem := check_id("dataset_id", params.dataset_id, f"{at}/params/dataset_id")
    ):
        found.append((f"{at}/params/dataset_id", problem))
    if isinstance(params, TrainParams):
        found += _train_problems(params, at)
    if isinstance(params, TestParams):
        for number, check in enumerate(params.checks):
            if check.min is None and check.max is None:
                found.append((f"{at}/params/checks/{number}", "give a min, a max or both"))
    return found


def _reference_problems(
    value: str, wanted: tuple[str, ...], seen: dict[str, str], where: str
) -> list[Problem]:
    match = REFERENCE.fullmatch(value)
    if match is None:
        return [(where, f"{value!r} is not a reference such as $train.generator_id")]
    step, output = match.groups()
    if step not in seen:
        return [(where, f"{value}: no step {step!r} before this one")]
    step_type = seen[step]
    if output not in OUTPUTS.get(step_type, ()):
        outputs = ", ".join(OUTPUTS.get(step_type, ())) or "none"
        return [(where, f"{value}: a {step_type} step gives {outputs}")]
    if output not in wanted:
        return [(where, f"{value}: this parameter takes a {' or '.join(wanted)}")]
    return []


def _train_problems(params: TrainParams, at: str) -> list[Problem]:
    catalogue = list_synthesizers()
    if params.synthesizer is None:
        return []
    model = catalogue.get(params.synthesizer)
    if model is None or getattr(model.capabilities, "modality", "tabular") != "tabular":
        hint = _suggest(params.synthesizer, catalogue)
        return [(f"{at}/params/synthesizer", f"unknown synthesizer{hint}")]
    found: list[Problem] = []
    try:
        model.Params.model_validate(params.params)
    except ValidationError as error:
        for e in error.errors(include_url=False):
            message = e["msg"]
            if e["type"] == "extra_forbidden":
                message = (
                    f"unknown parameter{_suggest(str(e['loc'][-1]), model.Params.model_fields)}"
                )
            found.append((f"{at}/params/params{_pointer(e['loc'])}", message))
    return found


def references(params: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """The parameters of a step that are references: field -> (step, output)."""
    found = {}
    for field, value in params.items():
        if isinstance(value, str) and (match := REFERENCE.fullmatch(value)):
            found[field] = (match[1], match[2])
    return found


def _pointer(location: tuple[int | str, ...] | list[int | str]) -> str:
    return "".join(f"/{str(part).replace('~', '~0').replace('/', '~1')}" for part in location)


def _suggest(word: str, known: Any) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f'; did you mean "{close[0]}"?' if close else f"; known: {', '.join(sorted(known))}"
