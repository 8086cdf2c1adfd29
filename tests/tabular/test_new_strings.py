"""Near-unique short strings (names, cities, codes) come out new, never as a once-only copy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthfoundry import get_synthesizer, load_synthesizer
from synthfoundry.tabular.metadata import ColumnKind, Metadata
from synthfoundry.tabular.strings import CharacterModel

SYLLABLES = ["ka", "lo", "mi", "ran", "tes", "vo", "shi", "ber", "dun", "el", "or", "pa"]


def place_names(rows: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [
        "".join(rng.choice(SYLLABLES, int(rng.integers(2, 4)))).capitalize() + " " + str(suffix)
        for suffix in rng.choice(["Hill", "Bay", "Ford", "Vale"], rows)
    ]


def test_the_character_model_makes_new_values_of_the_same_shape() -> None:
    names = pd.Series(place_names(400, seed=1) + ["Repeated Town"] * 5)
    once = set(names.value_counts()[lambda counts: counts == 1].index)
    model = CharacterModel.fit(names, np.random.default_rng(0))

    made = model.generate(20_000, np.random.default_rng(1))

    assert not once & set(made)  # a once-only training value never comes back
    assert "Repeated Town" in made  # a value the data repeats may, as a category would
    assert len(set(made)) > 3_000
    suffixes = pd.Series(made).str.split(" ").str[-1].value_counts(normalize=True)
    assert suffixes.head(4).sum() > 0.8  # the values keep their shape
    restored = CharacterModel.restore(json.loads(json.dumps(model.state())))
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    assert restored.generate(100, rng_a) == model.generate(100, rng_b)
    assert not any(name in json.dumps(model.state()) for name in once)


@pytest.mark.parametrize("name", ["sequential_trees", "gaussian_copula"])
def test_a_model_writes_new_names_and_its_file_holds_none(name: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    table = pd.DataFrame(
        {"town": place_names(300, seed=2), "people": rng.integers(100, 10_000, 300)}
    )
    assert Metadata.detect(table).kind("town") == ColumnKind.TEXT
    once = set(table["town"].value_counts()[lambda counts: counts == 1].index)
    synthesizer = get_synthesizer(name, seed=0).fit(table)

    made = synthesizer.sample(2_000, seed=1)

    assert made["town"].notna().all()
    assert not once & set(made["town"])
    assert made["town"].str.split(" ").str[-1].isin(["Hill", "Bay", "Ford", "Vale"]).mean() > 0.8
    synthesizer.save(tmp_path / "model")
    saved = "".join(path.read_text(errors="ignore") for path in (tmp_path / "model").iterdir())
    assert not any(town in saved for town in once)
    reloaded = load_synthesizer(tmp_path / "model").sample(50, seed=4)
    assert reloaded.equals(synthesizer.sample(50, seed=4))
