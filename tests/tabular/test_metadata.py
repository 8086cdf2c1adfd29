from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthfoundry.errors import InvalidInput
from synthfoundry.tabular.metadata import ColumnKind, Metadata
from tests.support.datasets import DATASETS, dataset_info, sample


def table(rows: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, rows),
            "income": rng.normal(50_000, 10_000, rows).round(2),
            "city": rng.choice(["Oslo", "Lima", "Pune"], rows),
            "member": rng.choice(["yes", "no"], rows),
            "signed_up": pd.date_range("2024-01-01", periods=rows, freq="D").strftime("%d/%m/%Y"),
            "customer_id": [f"C-{1000 + i}" for i in range(rows)],
            "comment": [f"free text number {i} with several words in it" for i in range(rows)],
            "country": ["NO"] * rows,
            "score": [np.nan if i % 4 == 0 else float(i) for i in range(rows)],
            "serial": np.arange(rows) * 7919,
        }
    )


def test_kinds_bounds_precision_and_formats_are_detected() -> None:
    metadata = Metadata.detect(table())

    kinds = {column.name: column.kind for column in metadata.columns}
    assert kinds == {
        "age": ColumnKind.INTEGER,
        "income": ColumnKind.FLOAT,
        "city": ColumnKind.CATEGORICAL,
        "member": ColumnKind.BOOLEAN,
        "signed_up": ColumnKind.DATETIME,
        "customer_id": ColumnKind.IDENTIFIER,
        "comment": ColumnKind.TEXT,
        "country": ColumnKind.CONSTANT,
        "score": ColumnKind.INTEGER,
        "serial": ColumnKind.INTEGER,  # unique numbers stay numbers, never identifiers
    }
    assert metadata.column("income").decimals == 2
    assert metadata.column("signed_up").datetime_format == "%d/%m/%Y"
    assert metadata.column("customer_id").identifier_pattern == "C-####"
    assert metadata.column("score").nullable and metadata.column("score").null_fraction == 0.25
    assert metadata.column("age").minimum >= 18
    assert metadata.column("country").constant_value == "NO"
    assert set(metadata.column("city").categories or []) == {"Oslo", "Lima", "Pune"}


def test_json_round_trip_and_overrides() -> None:
    data = table()
    metadata = Metadata.detect(data, overrides={"age": "categorical"})

    assert metadata.kind("age") == ColumnKind.CATEGORICAL
    assert Metadata.from_json(metadata.to_json()) == metadata
    with pytest.raises(InvalidInput, match="unknown kind 'colour'"):
        metadata.with_overrides({"age": "colour"})
    with pytest.raises(InvalidInput, match="unknown columns: nope"):
        metadata.with_overrides({"nope": "integer"})


@pytest.mark.parametrize(
    ("change", "message", "field"),
    [
        (lambda df: df.iloc[0:0], "no rows", None),
        (lambda df: df.assign(extra=1), "unknown column 'extra'", "extra"),
        (lambda df: df.drop(columns="city"), "column 'city' is missing", "city"),
        (
            lambda df: df.assign(age=["x", *list(df["age"][1:])]),
            "'age' should hold numbers; found 'x'",
            "age",
        ),
        (lambda df: df.assign(age=df["age"] + 0.5), "'age' should hold whole numbers", "age"),
        (lambda df: df.assign(city=None), "'city' has only missing values", "city"),
        (lambda df: df.assign(signed_up="soon"), "'signed_up' should hold dates", "signed_up"),
        (lambda df: df.assign(member="maybe"), "'member' should hold true/false", "member"),
    ],
)
def test_validation_names_the_column(change: object, message: str, field: str | None) -> None:
    data = table()
    metadata = Metadata.detect(data)

    with pytest.raises(InvalidInput, match=message) as raised:
        metadata.validate_table(change(data))  # type: ignore[operator]
    assert raised.value.field == field


def test_too_few_rows() -> None:
    data = table()
    with pytest.raises(InvalidInput, match="at least 50"):
        Metadata.detect(data).validate_table(data, min_rows=50)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
        min_size=2,
        max_size=50,
    )
)
def test_numbers_are_always_numeric(values: list[float]) -> None:
    frame = pd.DataFrame({"x": [*values, values[0] + 1]})
    assert Metadata.detect(frame).kind("x") in (ColumnKind.INTEGER, ColumnKind.FLOAT)


@pytest.mark.parametrize("name", DATASETS)
def test_shared_datasets_are_detected_sensibly(name: str) -> None:
    data = sample(name, rows=2000)
    info = dataset_info(name)
    metadata = Metadata.detect(data)

    metadata.validate_table(data)
    for column, dtype in info["dtypes"].items():
        if dtype.startswith(("int", "float")):
            assert (
                metadata.kind(column).is_numeric or metadata.kind(column) == ColumnKind.CONSTANT
            ), column
    for column in info["datetime"]:
        assert metadata.kind(column) == ColumnKind.DATETIME
