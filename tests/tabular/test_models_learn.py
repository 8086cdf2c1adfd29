"""Each model learns a plain dependence between a category and a number, and the shares of a
category, when given a few hundred training steps (quality at scale: benchmarks/tabular.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthfoundry import get_synthesizer, list_synthesizers
from synthfoundry.synthesizers.base import Modality
from synthfoundry.tabular.neural import NeuralSynthesizer

TABULAR = [n for n, c in list_synthesizers().items() if c.capabilities.modality == Modality.TABULAR]
# Adversarial training needs more steps than the autoencoder before the dependence shows.
EPOCHS = {"ctgan": 200, "copulagan": 200, "tvae": 100, "ganeraid": 60}


def two_groups(rows: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    group = rng.choice(["low", "high"], rows, p=[0.7, 0.3])
    value = np.where(group == "low", rng.normal(-5, 1, rows), rng.normal(5, 1, rows))
    return pd.DataFrame({"group": group, "value": value.round(2)})


@pytest.mark.parametrize("name", TABULAR)
def test_model_learns_a_dependence(name: str) -> None:
    params: dict[str, object] = {"seed": 1}
    if issubclass(list_synthesizers()[name], NeuralSynthesizer):
        params |= {"epochs": EPOCHS.get(name, 100), "batch_size": 100}
    synthesizer = get_synthesizer(name, **params)

    synthetic = synthesizer.fit(two_groups()).sample(2000, seed=0)  # type: ignore[attr-defined]

    means = synthetic.groupby("group")["value"].mean()
    # The real means are -5 and 5. One correlation (the copula) cannot split a bimodal column
    # completely, and a few hundred adversarial steps only start to: a clear gap is asked of all.
    assert means["high"] - means["low"] > 3, means.to_dict()
    if name == "sequential_trees":
        assert means["low"] < -4.5 and means["high"] > 4.5, means.to_dict()
    assert (synthetic["group"] == "low").mean() == pytest.approx(0.7, abs=0.12)
