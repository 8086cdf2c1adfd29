"""The bar and the ETA, with a fake clock: weights from measured cost, milestones that do not move
the bar, and an ETA that waits for enough steps, converges, and does not drift while polled."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from synthfoundry.generators.jobs.train import TrainGenerator
from synthfoundry.jobs.pace import MIN_STEPS, StagePace, StageReading, overall


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def training_stages(**seconds: float) -> list[dict[str, Any]]:
    """The training job's declared stages; those named in ``seconds`` are done, and took that."""
    return [
        {
            "name": stage.name,
            "weight": stage.weight,
            "status": "succeeded",
            "seconds": seconds[name],
        }
        if (name := stage.name) in seconds
        else {"name": stage.name, "weight": stage.weight, "status": "pending"}
        for stage in TrainGenerator.stages
    ]


def run_epochs(
    pace: StagePace, clock: FakeClock, epochs: range, total: int, seconds: float, jitter: float = 0
) -> list[StageReading]:
    noise = random.Random(7)
    readings = []
    for epoch in epochs:
        clock.advance(seconds * (1 + noise.uniform(-jitter, jitter)))
        readings.append(pace.observe(epoch, total, "train"))
    return readings


def test_a_model_milestone_does_not_fill_the_stage_before_its_first_epoch() -> None:
    clock = FakeClock()
    pace = StagePace(clock)
    clock.advance(3)
    encoded = pace.observe(1, 1, "encode")  # the model's encoder, done at once
    first = run_epochs(pace, clock, range(1, 2), 50, 2.0)[0]

    assert encoded.fraction == 0.0
    assert first.fraction == pytest.approx(1 / 50)
    stages = training_stages(load=0.5, analyse=0.1, encode=0.1)
    assert overall(stages, "train", first).fraction < 0.1


def test_the_training_stage_takes_the_bar_and_stages_count_by_measured_seconds() -> None:
    clock = FakeClock()
    pace = StagePace(clock)
    stages = training_stages(load=2.0, analyse=0.1, encode=0.1)
    readings = run_epochs(pace, clock, range(0, 51), 50, 2.0)
    fractions = [overall(stages, "train", reading).fraction for reading in readings]

    assert fractions[MIN_STEPS + 1] < 0.1  # the cheap loading stages took a sliver
    assert 0.4 < fractions[25] < 0.55  # half the epochs: about half the job's expected time
    assert fractions[-1] > 0.9
    # A slow load is measured: half of the time so far went on it, and the bar says so.
    slow = training_stages(load=100.0, analyse=0.1, encode=0.1)
    assert overall(slow, "train", readings[1]).fraction < 0.1  # no pace yet: declared weights
    assert 0.45 < overall(slow, "train", readings[5]).fraction < 0.6


def test_no_eta_until_enough_steps_then_a_range_around_the_truth() -> None:
    clock = FakeClock()
    pace = StagePace(clock)
    stages = training_stages(load=1.0, analyse=0.1, encode=0.1)
    readings = run_epochs(pace, clock, range(0, 51), 50, 2.0, jitter=0.3)
    estimates = [overall(stages, "train", reading) for reading in readings]

    assert all(estimate.eta_seconds is None for estimate in estimates[:MIN_STEPS])
    report_guess = 100 * TrainGenerator.stages[4].weight / TrainGenerator.stages[3].weight
    for epoch, estimate in enumerate(estimates[MIN_STEPS + 1 :], start=MIN_STEPS + 1):
        assert estimate.eta_seconds is not None
        assert estimate.eta_low_seconds is not None and estimate.eta_high_seconds is not None
        truth = (50 - epoch) * 2.0 + report_guess
        assert estimate.eta_low_seconds <= estimate.eta_seconds <= estimate.eta_high_seconds
        assert abs(estimate.eta_seconds - truth) <= 0.25 * truth
    # Late in training the range has narrowed to little more than the later stages' guess.
    late = estimates[45]
    assert late.eta_high_seconds is not None and late.eta_low_seconds is not None
    assert late.eta_high_seconds - late.eta_low_seconds < 3 * report_guess


def test_the_predicted_end_holds_still_while_polled_and_follows_a_real_slowdown() -> None:
    clock = FakeClock()
    pace = StagePace(clock)
    noise = random.Random(11)
    ends = []
    for epoch in range(0, 101):
        clock.advance(1.0 + noise.uniform(-0.2, 0.2))
        reading = pace.observe(epoch, 100, "train")
        if epoch > MIN_STEPS:
            assert reading.remaining_seconds is not None
            ends.append(clock.now + reading.remaining_seconds)
    finished_at = clock.now
    # The predicted end time stays near the real one and moves little from one epoch to the next.
    assert all(abs(end - finished_at) < 0.15 * 100 for end in ends)
    assert all(abs(after - before) < 3.0 for before, after in itertools.pairwise(ends))

    clock = FakeClock()
    pace = StagePace(clock)
    run_epochs(pace, clock, range(0, 21), 100, 1.0)
    slower = run_epochs(pace, clock, range(21, 61), 100, 3.0)
    assert slower[-1].remaining_seconds == pytest.approx(40 * 3.0, rel=0.1)


def test_a_resumed_attempt_measures_its_own_pace_from_where_it_starts() -> None:
    clock = FakeClock()
    pace = StagePace(clock)
    clock.advance(5.0)  # the resumed attempt reloads its data first
    first = pace.observe(30, 50, "train")
    readings = [first, *run_epochs(pace, clock, range(31, 36), 50, 2.0)]

    assert first.fraction == pytest.approx(0.6)
    assert first.remaining_seconds is None  # no step timed yet: no guess
    assert readings[-1].remaining_seconds == pytest.approx(15 * 2.0)


def test_rows_in_chunks_are_timed_per_chunk() -> None:
    clock = FakeClock()
    pace = StagePace(clock)
    reading = StageReading(0.0)
    for chunk in range(1, 8):
        clock.advance(4.0)
        reading = pace.observe(chunk * 50_000, 1_000_000, "sample")

    assert reading.remaining_seconds == pytest.approx(13 * 4.0)
    assert reading.remaining_low_seconds == pytest.approx(13 * 4.0)  # steady: no spread


def test_jobs_without_declared_stages_or_weights_still_get_a_fraction() -> None:
    assert overall([], None, StageReading(0.25)).fraction == 0.25
    zero = [{"name": "prepare", "weight": 0.0, "status": "succeeded", "seconds": 1.0}]
    steps = [*zero, {"name": "steps", "weight": 1.0, "status": "running"}]
    assert overall(steps, "steps", StageReading(0.5)).fraction == 0.5
