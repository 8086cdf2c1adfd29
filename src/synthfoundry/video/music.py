"""Music-video planning: the scene prompts and durations a flavor makes of a concept, and the
prompt of the character reference image. Pure and deterministic; no model is loaded here."""

from __future__ import annotations

import math
from dataclasses import dataclass

from synthfoundry.video.flavors import Flavor

MIN_SHARE_SECONDS = 0.1  # the shortest scene an even share of the music may give


@dataclass(frozen=True)
class MusicScene:
    """One planned scene: its place (from 1), what to draw and how long it lasts, in seconds."""

    sequence: int
    prompt: str
    duration: float


def _clean(text: str, what: str) -> str:
    words = " ".join(text.split())
    if not words:
        raise ValueError(f"{what} must not be empty")
    return words


def _join(prompt: str, suffix: str) -> str:
    prompt, suffix = " ".join(prompt.split()), " ".join(suffix.split())
    return f"{prompt}, {suffix}" if suffix else prompt


def _spread(total: float, count: int) -> list[float]:
    """``count`` durations rounded to milliseconds, the last taking the rest, whose ``sum()`` is
    exactly ``total`` (the last is off the millisecond grid only when float rounding needs it)."""
    head = [round(total / count, 3)] * (count - 1)
    rest = total - sum(head)
    rounded = round(rest, 3)
    if sum([*head, rounded]) == total:
        return [*head, rounded]
    last = rest
    for _ in range(8):  # float rounding may leave sum() an ulp or so off: step onto total
        error = sum([*head, last]) - total
        if error == 0:
            break
        step = max(abs(error), math.ulp(last))
        last = last - step if error > 0 else last + step
    return [*head, last]


def plan_scenes(
    concept: str,
    num_scenes: int,
    flavor: Flavor,
    seed: int = 0,
    total_seconds: float | None = None,
) -> list[MusicScene]:
    """Plan ``num_scenes`` scenes of ``concept``: the flavor's scene template with its beats taken
    in turn (``seed`` picks the beat to start from; seed 0 starts with the first) and its style
    suffix. Each scene lasts the flavor's ``scene_seconds``, or, given ``total_seconds`` (the
    music's length), an even share of it, in milliseconds, the last scene taking the rest so the
    durations sum to ``total_seconds``."""
    pipeline, prompts = flavor.pipeline, flavor.scene_prompts
    if isinstance(num_scenes, bool) or not isinstance(num_scenes, int):
        raise TypeError(f"num_scenes must be an int, got {type(num_scenes).__name__}")
    if not pipeline.min_scenes <= num_scenes <= pipeline.max_scenes:
        raise ValueError(
            f"num_scenes must be between {pipeline.min_scenes} and {pipeline.max_scenes} "
            f"for flavor {flavor.name!r}, got {num_scenes}"
        )
    subject = _clean(concept, "concept")
    if total_seconds is None:
        durations = [pipeline.scene_seconds] * num_scenes
    else:
        if not math.isfinite(total_seconds) or total_seconds <= 0:
            raise ValueError(f"total_seconds must be a positive number, got {total_seconds}")
        if total_seconds / num_scenes < MIN_SHARE_SECONDS:
            raise ValueError(
                f"total_seconds ({total_seconds}) is too short for {num_scenes} scenes "
                f"(under {MIN_SHARE_SECONDS} s each)"
            )
        durations = _spread(float(total_seconds), num_scenes)
    beats = prompts.beats
    start = seed % len(beats)
    scenes: list[MusicScene] = []
    for index, duration in enumerate(durations):
        sequence = index + 1
        beat = beats[(start + index) % len(beats)]
        prompt = prompts.scene.format(concept=subject, beat=beat, sequence=sequence)
        scenes.append(MusicScene(sequence, _join(prompt, prompts.style_suffix), duration))
    return scenes


def character_prompt(description: str, flavor: Flavor) -> str:
    """The prompt of the character reference image: the flavor's template around
    ``description``, then its style suffix."""
    prompts = flavor.image_prompts
    text = prompts.character.format(description=_clean(description, "description"))
    return _join(text, prompts.style_suffix)
