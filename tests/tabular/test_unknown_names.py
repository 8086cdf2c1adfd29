"""A misspelt parameter or column is refused in the library too, named with the one meant; what
was saved earlier still loads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from synthfoundry import get_synthesizer, list_synthesizers, load_synthesizer
from synthfoundry.errors import InvalidInput
from synthfoundry.synthesizers import artifacts
from synthfoundry.synthesizers.base import Modality
from synthfoundry.tabular.base import TabularSynthesizer

TABULAR = [
    name
    for name, cls in list_synthesizers().items()
    if cls.capabilities.modality == Modality.TABULAR
]


def people(rows: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 80, rows),
            "city": rng.choice(["Oslo", "Lima", "Pune"], rows),
        }
    )


def fitted() -> TabularSynthesizer:
    synthesizer = get_synthesizer("gaussian_copula", seed=1)
    assert isinstance(synthesizer, TabularSynthesizer)
    return synthesizer.fit(people())


@pytest.mark.parametrize("name", TABULAR)
def test_every_model_refuses_a_misspelt_parameter_naming_the_one_meant(name: str) -> None:
    cls = list_synthesizers()[name]

    with pytest.raises(InvalidInput) as raised:
        get_synthesizer(name, sed=3)
    if cls.__module__.startswith("synthfoundry."):
        with pytest.raises(ValidationError, match="sed"):
            cls.Params(sed=3)

    assert raised.value.field == "params.sed"
    assert raised.value.detail == f'{name} params.sed: unknown parameter; did you mean "seed"?'
    if cls.__module__.startswith("synthfoundry."):  # built in: the schema says so too
        assert cls.params_schema()["additionalProperties"] is False


def test_the_reported_misspelling_and_every_other_problem_are_named() -> None:
    with pytest.raises(InvalidInput) as raised:
        get_synthesizer("ctgan", epoch=5, batch_size=1, colour="red")

    assert raised.value.field_errors == [
        ("params.epoch", 'unknown parameter; did you mean "epochs"?'),
        ("params.colour", raised.value.field_errors[1][1]),
        ("params.batch_size", "Input should be greater than or equal to 10"),
    ]
    assert raised.value.field_errors[1][1].startswith("unknown parameter; known: batch_size, ")
    assert get_synthesizer("ctgan", epochs=5).params.epochs == 5  # type: ignore[attr-defined]


def test_conditions_and_rebalancing_name_an_unknown_column() -> None:
    synthesizer = fitted()

    with pytest.raises(InvalidInput) as single:
        synthesizer.sample(10, conditions={"cty": "Oslo"})
    with pytest.raises(InvalidInput) as grouped:
        synthesizer.sample(0, conditions=[{"city": "Oslo", "count": 5}, {"agee": 30, "count": 5}])
    with pytest.raises(InvalidInput, match="unknown column 'cty'; did you mean \"city\""):
        synthesizer.rebalance(10, "cty", {"Oslo": 1})

    assert single.value.field_errors == [("conditions.cty", 'unknown column; did you mean "city"?')]
    assert grouped.value.field == "conditions.1.agee"
    assert len(synthesizer.sample(0, conditions=[{"city": "Oslo", "count": 5}])) == 5


def test_a_saved_model_with_a_parameter_this_version_does_not_know_still_loads(
    tmp_path: Path,
) -> None:
    fitted().save(tmp_path / "model")
    content, arrays = artifacts.read(tmp_path / "model")
    content["params"]["retired_parameter"] = 1  # as an older version might have written it
    artifacts.write(tmp_path / "older", "gaussian_copula", content, arrays)

    loaded = load_synthesizer(tmp_path / "older")

    assert isinstance(loaded, TabularSynthesizer)
    assert (
        loaded.params.model_dump() == get_synthesizer("gaussian_copula", seed=1).params.model_dump()
    )
    assert len(loaded.sample(5, seed=2)) == 5
