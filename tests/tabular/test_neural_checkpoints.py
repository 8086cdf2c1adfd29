"""Checkpoints of the neural models: a paused fit resumes to exactly the uninterrupted weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from synthfoundry import get_synthesizer
from synthfoundry.synthesizers import artifacts
from synthfoundry.synthesizers.base import StopTraining
from synthfoundry.tabular.neural import NeuralSynthesizer

MODELS = ["ctgan", "tvae", "ganeraid"]


def table(rows: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "x": rng.normal(0, 1, rows).round(3),
            "kind": rng.choice(["a", "b", "c"], rows),
            "flag": rng.choice([True, False], rows),
        }
    )


def neural(name: str) -> NeuralSynthesizer:
    synthesizer = get_synthesizer(name, seed=4, epochs=4, batch_size=50, checkpoint_every=1)
    assert isinstance(synthesizer, NeuralSynthesizer)
    return synthesizer


def weights(synthesizer: NeuralSynthesizer) -> dict[str, torch.Tensor]:
    return {
        f"{name}.{key}": value
        for name, module in synthesizer._modules().items()
        for key, value in module.state_dict().items()
    }


@pytest.mark.parametrize("name", MODELS)
def test_a_paused_fit_resumes_to_the_same_weights(name: str, tmp_path: Path) -> None:
    uninterrupted = neural(name).fit(table())
    epochs_seen: list[float] = []

    def pause_after_two() -> str | None:
        return "pause" if len(epochs_seen) >= 2 else None

    paused = neural(name)
    with pytest.raises(StopTraining, match="pause"):
        paused.fit(
            table(),
            stop=pause_after_two,
            checkpoint_dir=tmp_path,
            progress=lambda stage, done, total, unit="", message="": (
                epochs_seen.append(done) if stage == "train" else None
            ),
        )
    assert (tmp_path / "checkpoint" / "synthesizer.json").exists()
    resumed_epochs: list[float] = []
    resumed = neural(name).fit(
        table(),
        checkpoint_dir=tmp_path,
        progress=lambda stage, done, total, unit="", message="": (
            resumed_epochs.append(done) if stage == "train" else None
        ),
    )

    assert resumed_epochs == [3, 4]  # it went on from epoch 2
    expected, actual = weights(uninterrupted), weights(resumed)
    assert expected.keys() == actual.keys()
    for key in expected:
        assert torch.equal(expected[key], actual[key]), key
    assert resumed.sample(50, seed=1).equals(uninterrupted.sample(50, seed=1))


def test_the_caller_hears_of_each_complete_checkpoint(tmp_path: Path) -> None:
    epochs_at_each: list[int] = []

    def on_checkpoint() -> None:
        content, _arrays = artifacts.read(tmp_path / "checkpoint")  # whole and checksummed
        epochs_at_each.append(content["epoch"])

    with pytest.raises(StopTraining, match="pause"):
        neural("tvae").fit(
            table(),
            stop=lambda: "pause" if len(epochs_at_each) >= 3 else None,
            checkpoint_dir=tmp_path,
            on_checkpoint=on_checkpoint,
        )
    neural("tvae").fit(table(), checkpoint_dir=tmp_path, on_checkpoint=on_checkpoint)

    assert epochs_at_each == [1, 2, 3, 3, 4]  # three epochs, the pause's own, the last epoch
    assert sorted(path.name for path in tmp_path.iterdir()) == ["checkpoint"]


def test_a_checkpoint_of_other_data_is_not_resumed(tmp_path: Path) -> None:
    neural("ctgan").fit(table(), checkpoint_dir=tmp_path)
    seen: list[float] = []

    neural("ctgan").fit(
        table(150),
        checkpoint_dir=tmp_path,
        progress=lambda stage, done, total, unit="", message="": (
            seen.append(done) if stage == "train" else None
        ),
    )

    assert seen == [1, 2, 3, 4]


def test_threads_are_restored_after_fit() -> None:
    before = torch.get_num_threads()
    get_synthesizer("tvae", seed=0, epochs=1, threads=1).fit(table())  # type: ignore[attr-defined]
    assert torch.get_num_threads() == before
