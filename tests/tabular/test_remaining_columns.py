"""Completing partial rows in which some known values are missing (as JSON rows arrive)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthfoundry import get_synthesizer
from synthfoundry.tabular.base import TabularSynthesizer


def people(rows: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    age = rng.integers(18, 80, rows)
    return pd.DataFrame(
        {
            "age": age,
            "sex": rng.choice(["Female", "Male"], rows),
            "income": (age * 800.0 + rng.normal(0, 3000, rows)).round(0),
            "city": rng.choice(["Oslo", "Lima", "Pune"], rows),
        }
    )


@pytest.mark.parametrize("name", ["sequential_trees", "gaussian_copula"])
def test_a_missing_known_value_is_generated_like_an_absent_column(name: str) -> None:
    synthesizer = get_synthesizer(name, seed=0)
    assert isinstance(synthesizer, TabularSynthesizer)
    synthesizer.fit(people())
    known = pd.DataFrame(
        {
            "age": [33, np.nan, 50],
            "city": ["Lima", None, None],
            "income": [None, None, None],  # a column no row gives: object dtype
        }
    )

    completed = synthesizer.sample_remaining_columns(known, seed=2)

    assert list(completed.columns) == ["age", "sex", "income", "city"]
    assert completed.loc[0, "city"] == "Lima"
    assert completed.loc[[0, 2], "age"].tolist() == [33, 50]
    assert completed.notna().all().all()
