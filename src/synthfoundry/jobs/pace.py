"""How far a job has come and when it will end.

Within a stage, ``StagePace`` turns the runner's progress reports into the stage's fraction and
the pace of its recent steps. ``overall`` weighs the stages into the job's bar: by their declared
weights until the current stage has a pace, then by measured seconds (stages already done) and
seconds projected from that pace (the current stage, and the later ones in proportion to their
declared weights). A fast loading stage therefore neither takes a share of the bar it did not
cost nor makes training look short.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MIN_STEPS = 3
"""Timed steps before a stage gives an ETA: one or two steps say little about the pace."""
SMOOTHING = 0.1
"""How much one report moves the average pace: the last twenty or so steps count most."""
SPREAD = 2.0
"""The ETA's range spans this many standard deviations either side of the estimate."""
LATER_STAGES_RANGE = (0.5, 2.0)
"""Stages not yet begun are guessed from their declared weight: the range allows half to double."""


@dataclass(frozen=True)
class StageReading:
    """The current stage as its runner sees it: how far it is (0 to 1) and, once enough steps
    were timed, the seconds the whole stage takes at the recent pace and the seconds left."""

    fraction: float
    projected_seconds: float | None = None
    remaining_seconds: float | None = None
    remaining_low_seconds: float | None = None
    remaining_high_seconds: float | None = None


@dataclass(frozen=True)
class Overall:
    fraction: float
    eta_seconds: float | None = None
    eta_low_seconds: float | None = None
    eta_high_seconds: float | None = None


class StagePace:
    """Progress and pace within one stage of one attempt.

    A stage may pass through several steps of its own (a model's "encode", then its "train"
    epochs). A step whose first report already says it is done is a milestone: it names what
    the stage does but does not move the bar, which would otherwise jump to the stage's end
    before the first epoch. A counted step fills what is left of the stage. The pace is an
    exponentially weighted average of seconds per unit over the step's recent reports, so that
    a slow first step, or a resumed attempt's reloading, does not skew it for long.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.fraction = 0.0
        self._step: str | None = None
        self._started = False
        self._base = 0.0
        self._last: tuple[float, float] | None = None
        self._mean: float | None = None
        self._variance = 0.0
        self._units_per_step: float | None = None
        self._timed = 0

    def observe(self, completed: float, total: float | None, step: str | None) -> StageReading:
        now = self._clock()
        restarted = self._last is not None and completed < self._last[0]
        first = not self._started or step != self._step or restarted
        if first:
            self._begin_step(step)
        if not total or total <= 0:
            return StageReading(self.fraction)
        share = min(1.0, max(0.0, completed / total))
        if first and share >= 1.0:  # a milestone
            return StageReading(self.fraction)
        self.fraction = max(self.fraction, self._base + (1.0 - self._base) * share)
        self._time(completed, now)
        return self._reading(completed, total)

    def _begin_step(self, step: str | None) -> None:
        self._step, self._started = step, True
        self._base = self.fraction
        self._last, self._mean, self._variance = None, None, 0.0
        self._units_per_step, self._timed = None, 0

    def _time(self, completed: float, now: float) -> None:
        last = self._last
        self._last = (completed, now)
        if last is None or completed <= last[0]:
            return
        units, seconds = completed - last[0], max(0.0, now - last[1])
        sample = seconds / units
        if self._mean is None or self._units_per_step is None:
            self._mean, self._units_per_step = sample, units
        else:
            difference = sample - self._mean
            self._mean += SMOOTHING * difference
            self._variance = (1.0 - SMOOTHING) * (self._variance + SMOOTHING * difference**2)
            self._units_per_step += SMOOTHING * (units - self._units_per_step)
        self._timed += 1

    def _reading(self, completed: float, total: float) -> StageReading:
        mean, per_step = self._mean, self._units_per_step
        if self._timed < MIN_STEPS or mean is None or per_step is None:
            return StageReading(self.fraction)
        left = max(0.0, total - completed)
        remaining = left * mean
        deviation = math.sqrt(self._variance)
        recent_steps = min(self._timed, (2.0 - SMOOTHING) / SMOOTHING)
        # Uncertain pace (over all that is left) plus the scatter of the steps still to come.
        band = SPREAD * deviation * (left / math.sqrt(recent_steps) + math.sqrt(left * per_step))
        return StageReading(
            self.fraction,
            projected_seconds=total * mean,
            remaining_seconds=remaining,
            remaining_low_seconds=max(0.0, remaining - band),
            remaining_high_seconds=remaining + band,
        )


def overall(
    stages: Sequence[Mapping[str, Any]], current: str | None, reading: StageReading
) -> Overall:
    """The job's fraction and ETA, from its stage entries (``weight``, and ``seconds`` once
    done) and the current stage's reading; the caller keeps the bar from going back."""
    if not stages:
        stages = [{"name": current, "weight": 1.0}]
    names = [entry["name"] for entry in stages]
    index = names.index(current) if current in names else 0
    weights = [max(0.0, float(entry.get("weight", 1.0))) for entry in stages]
    projected = reading.projected_seconds
    if projected is None or weights[index] <= 0 or reading.remaining_seconds is None:
        whole = sum(weights) or 1.0
        return Overall((sum(weights[:index]) + weights[index] * reading.fraction) / whole)
    per_weight = projected / weights[index]
    before = sum(
        float(entry["seconds"])
        if entry.get("status") == "succeeded" and entry.get("seconds") is not None
        else weight * per_weight
        for entry, weight in zip(stages[:index], weights[:index], strict=True)
    )
    later = sum(weights[index + 1 :]) * per_weight
    whole = before + projected + later
    fraction = (before + reading.fraction * projected) / whole if whole > 0 else reading.fraction
    low_share, high_share = LATER_STAGES_RANGE
    low = reading.remaining_low_seconds
    high = reading.remaining_high_seconds
    return Overall(
        min(1.0, fraction),
        eta_seconds=reading.remaining_seconds + later,
        eta_low_seconds=None if low is None else low + low_share * later,
        eta_high_seconds=None if high is None else high + high_share * later,
    )
