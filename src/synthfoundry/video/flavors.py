"""Music-video flavors: YAML presets for the character reference image, the scene prompts and the
pipeline (frame size, pacing, transitions, motion, style), validated against a strict schema."""

from __future__ import annotations

import functools
import string
from collections.abc import Iterable
from importlib import resources
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from synthfoundry.errors import InvalidInput
from synthfoundry.video.spec import MAX_SHORT_SIDE, MIN_SHORT_SIDE, Aspect
from synthfoundry.video.styles import DEFAULT_STYLE, STYLES, Motion, Transition

DEFAULT_FLAVOR = "cinematic"
MAX_FLAVOR_BYTES = 64 * 1024
MAX_SCENES = 50
MAX_YAML_DEPTH = 16  # a flavor nests 3 deep; deep flow nesting makes PyYAML's scanner quadratic

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", min_length=1, max_length=64)
]
PromptText = Annotated[str, StringConstraints(max_length=2000)]
Template = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Beat = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Finite = Annotated[float, Field(allow_inf_nan=False)]


class FlavorError(InvalidInput):
    """A flavor that does not parse or validate. ``errors`` holds ``(path, message)`` pairs, the
    path dotted and indexed (``pipeline.fps``, ``scene_prompts.beats[2]``; ``""`` is the whole
    document). An ``InvalidInput``, so the API answers it with 422."""

    def __init__(self, errors: Iterable[tuple[str, str]]) -> None:
        self.errors: list[tuple[str, str]] = list(errors) or [("", "invalid flavor")]
        detail = "; ".join(
            f"{path}: {message}" if path else message for path, message in self.errors
        )
        super().__init__(detail, field=self.errors[0][0] or "flavor")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _invalid(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose message is shown as is (no placeholders)."""
    return PydanticCustomError(kind, message)


def _check_template(template: str, required: str, allowed: frozenset[str]) -> str:
    """``template`` if it formats with only the ``allowed`` placeholders and holds ``required``."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise _invalid("template", f"malformed template: {exc}") from None
    known = ", ".join(f"{{{name}}}" for name in sorted(allowed))
    for name in fields:
        if name not in allowed:
            raise _invalid(
                "template",
                f"unknown placeholder {{{name}}}; allowed: {known} "
                "(write {{ and }} for literal braces)",
            )
    if required not in fields:
        raise _invalid("template", f"template must contain {{{required}}}")
    try:
        template.format(**{name: 1 if name == "sequence" else "x" for name in allowed})
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        raise _invalid("template", f"malformed template: {exc}") from None
    return template


class ImageParams(_Section):
    """How the character reference image is drawn."""

    model: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=512)
    ] = "stabilityai/sdxl-turbo"
    width: int = Field(512, ge=64, le=2048, multiple_of=8)
    height: int = Field(512, ge=64, le=2048, multiple_of=8)
    steps: int = Field(4, ge=1, le=150)
    guidance_scale: float = Field(0.0, ge=0.0, le=30.0, allow_inf_nan=False)
    negative_prompt: PromptText = ""


class ImagePrompts(_Section):
    """Templates for the character reference image."""

    character: Template = "portrait of {description}, full body, centered, plain background"
    style_suffix: PromptText = ""

    @field_validator("character")
    @classmethod
    def _character_template(cls, value: str) -> str:
        return _check_template(value, "description", frozenset({"description"}))


class ScenePrompts(_Section):
    """Templates for the scene prompts: ``scene`` with the beats taken in turn."""

    scene: Template = "{beat} of {concept}"
    beats: tuple[Beat, ...] = Field(
        ("opening wide shot", "medium shot", "close-up", "tracking shot"),
        min_length=1,
        max_length=MAX_SCENES,
        strict=False,
    )
    style_suffix: PromptText = ""

    @field_validator("scene")
    @classmethod
    def _scene_template(cls, value: str) -> str:
        return _check_template(value, "concept", frozenset({"concept", "beat", "sequence"}))


class PipelineParams(_Section):
    """Frame, pacing, transitions, sound and look of the rendered video."""

    fps: int = Field(24, ge=1, le=60)
    short_side: int = Field(720, ge=MIN_SHORT_SIDE, le=MAX_SHORT_SIDE)
    aspect: Literal["16:9", "9:16", "1:1"] = "16:9"
    scene_seconds: Finite = Field(4.0, ge=0.5, le=60.0)
    min_scenes: int = Field(1, ge=1, le=MAX_SCENES)
    max_scenes: int = Field(24, ge=1, le=MAX_SCENES)
    transition: Transition = "fade"
    transition_seconds: Finite = Field(0.5, ge=0.0, le=5.0)
    music_volume: Finite = Field(1.0, ge=0.0, le=1.0)
    motions: tuple[Motion, ...] = Field(
        ("zoom_in", "pan_right", "zoom_out"), min_length=1, max_length=MAX_SCENES, strict=False
    )
    style: str = DEFAULT_STYLE

    @field_validator("style")
    @classmethod
    def _known_style(cls, value: str) -> str:
        if value not in STYLES:
            known = ", ".join(sorted(STYLES))
            raise _invalid("style", f"unknown style {value!r}; known: {known}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PipelineParams:
        if self.min_scenes > self.max_scenes:
            raise _invalid(
                "scene_bounds",
                f"min_scenes ({self.min_scenes}) is above max_scenes ({self.max_scenes})",
            )
        if self.transition != "cut" and self.transition_seconds >= self.scene_seconds:
            raise _invalid(
                "transition",
                f"transition_seconds ({self.transition_seconds}) must be shorter than "
                f"scene_seconds ({self.scene_seconds})",
            )
        return self

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) in even pixels."""
        return Aspect(self.aspect).frame_size(self.short_side)


class Flavor(_Section):
    """A music-video preset."""

    name: Slug
    description: PromptText = ""
    image: ImageParams = ImageParams()
    image_prompts: ImagePrompts = ImagePrompts()
    scene_prompts: ScenePrompts = ScenePrompts()
    pipeline: PipelineParams = PipelineParams()


def _path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(error: ErrorDetails) -> str:
    message = str(error["msg"])
    if tuple(error["loc"]) == ("pipeline", "aspect") and isinstance(error.get("input"), int):
        message += ' (quote it in YAML: aspect: "16:9")'
    return message


def _validation_errors(exc: ValidationError) -> FlavorError:
    return FlavorError((_path(err["loc"]), _message(err)) for err in exc.errors(include_url=False))


class _SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` (plain data, no Python tags) refusing documents nested too deeply."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self._depth >= MAX_YAML_DEPTH:
            mark = parent.start_mark if parent is not None else None
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_YAML_DEPTH} levels", mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _load_yaml(text: str) -> object:
    loader = _SafeLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def parse_flavor(text: str) -> Flavor:
    """Parse and validate a flavor written in YAML; ``FlavorError`` lists every problem."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_FLAVOR_BYTES:
        raise FlavorError([("", f"flavor is {size} bytes; the limit is {MAX_FLAVOR_BYTES}")])
    try:
        data = _load_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = exc.problem or exc.context or "cannot parse"
        raise FlavorError([("", f"invalid YAML at {where}{problem}")]) from None
    except yaml.YAMLError as exc:
        raise FlavorError([("", f"invalid YAML: {exc}")]) from None
    except RecursionError:
        raise FlavorError([("", "YAML nests too deeply")]) from None
    if not isinstance(data, dict):
        raise FlavorError([("", f"a flavor must be a YAML mapping, got {_kind(data)}")])
    try:
        return Flavor.model_validate(data)
    except ValidationError as exc:
        raise _validation_errors(exc) from None


def flavor_to_yaml(flavor: Flavor) -> str:
    """The flavor as YAML that ``parse_flavor`` reads back to an equal flavor."""
    data = flavor.model_dump(mode="json")
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


@functools.cache
def _load_builtin() -> dict[str, Flavor]:
    folder = resources.files("synthfoundry.video") / "flavors"
    flavors: dict[str, Flavor] = {}
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".yaml") or not entry.is_file():
            continue
        stem = entry.name.removesuffix(".yaml")
        try:
            flavor = parse_flavor(entry.read_text(encoding="utf-8"))
        except FlavorError as exc:
            raise FlavorError(
                (f"{entry.name}: {p}" if p else entry.name, m) for p, m in exc.errors
            ) from None
        if flavor.name != stem:
            raise FlavorError([(entry.name, f"name {flavor.name!r} differs from the file name")])
        flavors[flavor.name] = flavor
    return flavors


def builtin_flavors() -> dict[str, Flavor]:
    """The shipped flavors by name (a fresh dict; the flavors themselves are immutable)."""
    return dict(_load_builtin())


def get_flavor(name: str) -> Flavor:
    """The named built-in flavor, or ``InvalidInput`` listing the known ones."""
    flavors = _load_builtin()
    flavor = flavors.get(name)
    if flavor is None:
        raise InvalidInput(
            f"unknown flavor {name!r}; known: {', '.join(sorted(flavors))}", field="flavor"
        )
    return flavor
