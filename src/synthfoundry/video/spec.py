"""The shapes every video stage and provider shares: the brief, the script, the voice-over, the
timeline, scene clips and the reporter a pipeline talks to. No provider code lives here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Literal, Protocol

SceneKind = Literal["title", "feature", "cta"]
MIN_SHORT_SIDE, MAX_SHORT_SIDE = 120, 2160


class Aspect(StrEnum):
    WIDE = "16:9"
    TALL = "9:16"
    SQUARE = "1:1"

    def frame_size(self, short_side: int) -> tuple[int, int]:
        """(width, height) in even pixels (yuv420p needs both even) with the given short side."""
        long_side = _even(short_side * 16 / 9)
        short = _even(short_side)
        if self is Aspect.WIDE:
            return long_side, short
        if self is Aspect.TALL:
            return short, long_side
        return short, short


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


class VideoStopped(Exception):
    """The reporter asked the pipeline to stop (a cancelled or paused job)."""


class ProviderError(Exception):
    """A provider failed; the message is safe to show (no keys, no payloads)."""

    def __init__(self, provider: str, reason: str) -> None:
        super().__init__(f"{provider}: {reason}")
        self.provider = provider
        self.reason = reason


@dataclass(frozen=True)
class ProductBrief:
    """What a product video is asked to be."""

    product_name: str
    style: str
    cta_text: str
    product_image: Path | None = None
    aspect: Aspect = Aspect.WIDE
    short_side: int = 1080
    fps: int = 24
    voice: str | None = None
    seed: int = 0
    duration_seconds: float | None = None  # None: as long as the voice-over

    @property
    def size(self) -> tuple[int, int]:
        return self.aspect.frame_size(self.short_side)


@dataclass(frozen=True)
class ScriptScene:
    kind: SceneKind
    heading: str  # the words on screen
    narration: str  # the words spoken
    visual: str  # what a generative video provider is asked to show


@dataclass(frozen=True)
class Script:
    title: str
    scenes: tuple[ScriptScene, ...]  # the last one is the call to action (kind "cta")

    @property
    def narration(self) -> list[str]:
        return [scene.narration for scene in self.scenes]


@dataclass(frozen=True)
class VoiceOver:
    """The spoken script: one audio file (any format ffmpeg reads) and each scene's share of it,
    in seconds. A silent voice-over has no file and says why."""

    audio: Path | None
    segments: tuple[float, ...]
    silent_reason: str | None = None

    @property
    def seconds(self) -> float:
        return sum(self.segments)


@dataclass(frozen=True)
class SceneClip:
    """One scene as a video file without sound; the compositor trims or holds it to ``seconds``."""

    path: Path
    seconds: float


@dataclass(frozen=True)
class Caption:
    """Words shown on screen from ``start`` for ``seconds`` (the silent voice-over's stand-in)."""

    text: str
    start: float
    seconds: float


@dataclass
class CostLine:
    stage: str
    provider: str
    item: str
    usd: float


@dataclass
class Ledger:
    """Every cost a provider reported, per stage."""

    lines: list[CostLine] = field(default_factory=list)

    def add(self, stage: str, provider: str, item: str, usd: float) -> None:
        self.lines.append(CostLine(stage, provider, item, round(usd, 6)))

    def by_stage(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for line in self.lines:
            totals[line.stage] = round(totals.get(line.stage, 0.0) + line.usd, 6)
        return totals

    @property
    def total(self) -> float:
        return round(sum(line.usd for line in self.lines), 6)


class Reporter(Protocol):
    """What a pipeline tells its caller and asks it. ``check`` raises ``VideoStopped`` when the
    caller wants the work to stop; providers call it between steps and while they wait."""

    def progress(self, completed: float, total: float, message: str = "") -> None: ...

    def check(self) -> None: ...

    def cost(self, provider: str, item: str, usd: float) -> None: ...

    def log(self, message: str) -> None: ...


@dataclass
class QuietReporter:
    """A reporter for library use: keeps costs, never stops, prints nothing."""

    stage: str = ""
    ledger: Ledger = field(default_factory=Ledger)
    should_stop: Callable[[], bool] = lambda: False

    def progress(self, completed: float, total: float, message: str = "") -> None:
        return None

    def check(self) -> None:
        if self.should_stop():
            raise VideoStopped("stop requested")

    def cost(self, provider: str, item: str, usd: float) -> None:
        self.ledger.add(self.stage, provider, item, usd)

    def log(self, message: str) -> None:
        return None


class ScriptWriter(Protocol):
    name: str

    def write(self, brief: ProductBrief, reporter: Reporter) -> Script: ...


class VoiceProvider(Protocol):
    name: str

    def speak(
        self, lines: Sequence[str], brief: ProductBrief, work: Path, reporter: Reporter
    ) -> VoiceOver:
        """Speak each line (a scene's narration); ``segments`` has one entry per line."""
        ...


class SceneProvider(Protocol):
    name: str

    def render(
        self,
        brief: ProductBrief,
        script: Script,
        timeline: Sequence[float],
        work: Path,
        reporter: Reporter,
    ) -> list[SceneClip]:
        """One clip per script scene, each about ``timeline[i]`` seconds long."""
        ...
