"""The default model's fast sampling path (trees compiled into tables, columns built in Arrow)
gives exactly the rows, nulls and Parquet schema of the previous path (tree descent, pandas)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthfoundry.tabular.base import TabularSynthesizer
from synthfoundry.tabular.models import sequential_trees
from synthfoundry.tabular.models.sequential_trees import SequentialTreesSynthesizer
from synthfoundry.tabular.tree_tables import CompiledTrees
from tests.conformance.test_tabular_synthesizers import table


def every_kind(rows: int = 600) -> pd.DataFrame:
    """Every column kind, with missing values in numbers, booleans and categories."""
    data = table(rows)
    rng = np.random.default_rng(1)
    data["visits"] = pd.array(
        np.where(rng.random(rows) < 0.15, None, rng.integers(0, 9, rows)), dtype="Int64"
    )
    data["flag"] = np.where(np.arange(rows) % 7 == 0, None, np.arange(rows) % 2 == 0)
    data["when"] = pd.to_datetime(data["joined"])
    data["kind"] = np.where(np.arange(rows) % 5 == 0, None, data["city"])
    return data


@pytest.fixture(scope="module")
def model() -> SequentialTreesSynthesizer:
    return SequentialTreesSynthesizer(SequentialTreesSynthesizer.Params(seed=3)).fit(every_kind())


def copy_of(model: SequentialTreesSynthesizer) -> SequentialTreesSynthesizer:
    """The fitted model with nothing compiled yet."""
    clone = SequentialTreesSynthesizer(model.params)
    clone.__dict__.update(model.__dict__)
    clone._forget_compiled()
    return clone


def previous_path(
    model: SequentialTreesSynthesizer, monkeypatch: pytest.MonkeyPatch
) -> SequentialTreesSynthesizer:
    """A copy of the model that samples as before: tree descent, each chunk through pandas."""
    clone = copy_of(model)
    monkeypatch.setattr(sequential_trees, "COMPILE_FROM_ROWS", 10**12)

    def through_pandas(rows: int, rng: np.random.Generator) -> pa.Table:
        return TabularSynthesizer._sample_arrow(clone, rows, rng)

    monkeypatch.setattr(clone, "_sample_arrow", through_pandas)
    return clone


def test_compiled_tables_reach_the_leaves_the_trees_reach(
    model: SequentialTreesSynthesizer,
) -> None:
    position = {name: index for index, name in enumerate(model.order_)}
    nullable = {position[step.column] for step in model.steps_ if step.role == "missing"}
    assert nullable, "the table should make a nullable number a predictor"
    compiled = CompiledTrees.compile(
        [step.tree for step in model.steps_],
        len(model.order_),
        [None if step.role == "missing" else position[step.column] for step in model.steps_],
        nullable,
    )
    rng = np.random.default_rng(0)
    rows = 4000
    features = np.empty((rows, len(model.order_)))
    for column in range(len(model.order_)):
        thresholds = compiled.bins.thresholds[column]
        # Values exactly on thresholds, between them, beyond them, and missing where they can be.
        missing = [np.nan] if column in nullable else []
        choices = np.concatenate([thresholds, thresholds + 0.5, [-1e9, 1e9, 0.0, 1.0, *missing]])
        features[:, column] = rng.choice(choices, rows)
    bins = [compiled.bins.bins(column, features[:, column]) for column in range(features.shape[1])]

    for step, decision_table in zip(model.steps_, compiled.tables, strict=True):
        column = position[step.column]
        expected = step.tree.apply(features[:, :column]) if column else np.zeros(rows, np.int64)
        np.testing.assert_array_equal(decision_table.apply(bins, rows), expected)


def test_fast_path_keeps_rows_nulls_and_parquet_schema(
    model: SequentialTreesSynthesizer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    previous = previous_path(model, monkeypatch)
    fast = copy_of(model)
    fast._compiled()

    old_file = previous.sample_to(tmp_path / "old.parquet", 2500, chunk_rows=1000, seed=4)
    new_file = fast.sample_to(tmp_path / "new.parquet", 2500, chunk_rows=1000, seed=4)

    old, new = pq.read_table(old_file), pq.read_table(new_file)
    assert new.equals(old, check_metadata=True)
    assert pq.ParquetFile(new_file).metadata.num_row_groups == 3
    assert new.column("visits").null_count > 0 and new.column("kind").null_count > 0
    assert new.column("flag").null_count > 0 and new.column("score").null_count > 0
    pd.testing.assert_frame_equal(fast.sample(1500, seed=5), previous.sample(1500, seed=5))


def test_many_rows_compile_the_trees_once(
    model: SequentialTreesSynthesizer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sequential_trees, "COMPILE_FROM_ROWS", 1500)
    fresh = copy_of(model)

    fresh.sample(1000, seed=1)
    assert fresh._compiled_trees is None
    fresh.sample_to(tmp_path / "out.parquet", 2000, chunk_rows=500, seed=1)
    compiled = fresh._compiled_trees
    assert compiled is not None
    fresh.sample(1000, seed=1)
    assert fresh._compiled_trees is compiled


def test_a_saved_model_keeps_its_compiled_trees(
    model: SequentialTreesSynthesizer, tmp_path: Path
) -> None:
    model.save(tmp_path / "model")
    loaded = SequentialTreesSynthesizer.load(tmp_path / "model")
    assert loaded._compiled_trees is not None

    pd.testing.assert_frame_equal(loaded.sample(800, seed=2), model.sample(800, seed=2))
    pd.testing.assert_frame_equal(loaded.sample(800, seed=2), copy_of(model).sample(800, seed=2))


def test_sample_arrow_is_sample_in_arrow(
    model: SequentialTreesSynthesizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("synthfoundry.tabular.base.CHUNK_ROWS", 700)
    fast = copy_of(model)
    fast._compiled()

    table = fast.sample_arrow(1500, seed=6)

    expected = pa.Table.from_pandas(copy_of(model).sample(1500, seed=6), preserve_index=False)
    assert table.equals(expected, check_metadata=True)
