"""What a fit says of itself: seconds, epochs, final losses and a bounded loss curve, whole across
a pause and in a saved model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from synthfoundry import get_synthesizer
from synthfoundry.synthesizers import artifacts
from synthfoundry.synthesizers.base import StopTraining
from synthfoundry.synthesizers.training import MAX_CURVE_POINTS, training_record
from synthfoundry.tabular.models.gaussian_copula import GaussianCopulaSynthesizer
from tests.tabular.test_neural_checkpoints import neural, table

LOSSES = {"ctgan": {"critic", "generator"}, "ganeraid": {"discriminator", "generator"}}


@pytest.mark.parametrize("name", ["ctgan", "tvae", "ganeraid"])
def test_a_neural_fit_records_each_epochs_losses(name: str) -> None:
    reported: list[str] = []
    synthesizer = neural(name).fit(
        table(),
        progress=lambda stage, done, total, unit="", message="": (
            reported.append(message) if stage == "train" else None
        ),
    )
    summary = synthesizer.training_summary()

    assert summary["seconds"] > 0
    assert summary["epochs"] == 4
    assert set(summary["final_losses"]) == LOSSES.get(name, {"loss"})
    curve = summary["loss_curve"]
    assert curve["epoch"] == [1, 2, 3, 4]
    # The curve holds the losses each epoch reported as it went.
    for epoch, message in enumerate(reported):
        for part in message.split(", "):
            loss, value = part.split(" ")
            assert curve[loss][epoch] == pytest.approx(float(value), abs=1e-4)
    assert summary["final_losses"] == {
        loss: values[-1] for loss, values in curve.items() if loss != "epoch"
    }


def test_a_paused_fit_ends_with_the_whole_curve_and_both_attempts_seconds(tmp_path: Path) -> None:
    uninterrupted = neural("ctgan").fit(table()).training_summary()
    epochs: list[float] = []
    with pytest.raises(StopTraining):
        neural("ctgan").fit(
            table(),
            stop=lambda: "pause" if len(epochs) >= 2 else None,
            checkpoint_dir=tmp_path,
            progress=lambda stage, done, total, unit="", message="": (
                epochs.append(done) if stage == "train" else None
            ),
        )
    paused_seconds = artifacts.read(tmp_path / "checkpoint")[0]["seconds"]
    summary = neural("ctgan").fit(table(), checkpoint_dir=tmp_path).training_summary()

    assert summary["loss_curve"] == uninterrupted["loss_curve"]  # the same epochs, exactly
    assert summary["epochs"] == 4
    assert 0 < paused_seconds < summary["seconds"]


def test_a_saved_model_keeps_its_summary_and_a_simple_model_records_its_seconds(
    tmp_path: Path,
) -> None:
    trained = neural("tvae").fit(table())
    trained.save(tmp_path / "model")
    loaded = type(trained).load(tmp_path / "model")
    copula = get_synthesizer("gaussian_copula", seed=0)
    assert isinstance(copula, GaussianCopulaSynthesizer)

    assert loaded.training_summary() == trained.training_summary()
    assert set(copula.fit(table()).training_summary()) == {"seconds"}


def test_long_curves_are_thinned_to_a_bounded_size_and_diverged_losses_are_null() -> None:
    losses = {"generator": [1.0 / (n + 1) for n in range(100_000)], "critic": [0.5] * 100_000}
    losses["critic"][-1] = math.nan
    record = training_record(12.3456, losses)

    curve = record["loss_curve"]
    assert len(curve["epoch"]) == MAX_CURVE_POINTS
    assert curve["epoch"][0] == 1 and curve["epoch"][-1] == 100_000
    assert curve["generator"][0] == 1.0
    assert record["final_losses"] == {"generator": 1e-05, "critic": None}
    assert record["seconds"] == 12.346 and record["epochs"] == 100_000
    assert len(json.dumps(record)) < 20_000
    assert training_record(1.0, {}) == {"seconds": 1.0}
