"""Sequential tree synthesis: the default model.

The table's joint distribution is factorised column by column, p(x1) p(x2 | x1) p(x3 | x1, x2)...,
and each conditional is a decision tree whose leaves keep the training values that fell into
them (the synthpop idea, Nowok et al. 2016). A synthetic row is drawn column by column: its
earlier values pick a leaf, and the leaf gives a value. Our additions:

- leaf sizes grow with the table, so a leaf never describes a handful of people, and near-
  continuous columns are smoothed within their leaf: no exact copies of training rows;
- missing values are a step of their own, and the trees route missing predictors natively;
- conditions are met natively: at a conditioned column each partial row is weighted by the share
  of its leaf that meets the condition and resampled (sampling-importance-resampling), then
  takes a matching value. Nothing is rejected, and impossible conditions are reported at once;
- small tables get smaller leaves and no smoothing on columns with few values.

Fit is a few seconds on CPU, sampling is vectorised numpy, and the model is plain arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from synthfoundry.errors import InvalidInput
from synthfoundry.progress import Progress
from synthfoundry.synthesizers.base import Capabilities, Modality, Stop, StopTraining, Trial
from synthfoundry.tabular.arrow_columns import labels_to_arrow, numbers_to_arrow
from synthfoundry.tabular.base import TabularSynthesizer
from synthfoundry.tabular.codecs import ColumnCodec
from synthfoundry.tabular.transforms import booleans_or_labels, numeric_values, restore_values
from synthfoundry.tabular.tree_tables import CompiledTrees
from synthfoundry.tabular.trees import DonorTree

Role = Literal["choice", "missing", "value"]
SMOOTH_DISTINCT_SHARE = 0.2  # columns with at least this share of distinct values are smoothed
CONDITION_POOL = 2000
# Compiling the trees into tables takes about a second on Adult and then saves about four
# microseconds a row: worth it from this many rows, drawn at once or in chunks.
COMPILE_FROM_ROWS = 200_000
SCHEMA_SAMPLE_ROWS = 1000


class SequentialTreesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = Field(
        default=0, ge=0, le=2**32 - 1, description="makes fit and sample reproducible"
    )
    min_leaf: int | None = Field(
        default=None,
        ge=1,
        le=100_000,
        description="fewest training rows per leaf; default grows with the table (5 to 100)",
    )
    max_depth: int | None = Field(default=None, ge=1, le=64, description="deepest tree")
    smoothing: bool = Field(
        default=True, description="smooth near-continuous columns within their leaf"
    )
    order: Literal["auto", "given"] = Field(
        default="auto", description="auto: fewest distinct values first; given: the table's order"
    )


@dataclass
class Step:
    column: str
    role: Role
    tree: DonorTree
    smooth: bool = False  # draw between neighbouring donors rather than a donor itself


class SequentialTreesSynthesizer(TabularSynthesizer):
    name = "sequential_trees"
    description = "Column-by-column decision trees with leaf sampling; fast, exact conditions."
    Params = SequentialTreesParams
    capabilities: ClassVar[Capabilities] = Capabilities(
        modality=Modality.TABULAR, needs_training=True, conditional=True
    )
    params: SequentialTreesParams
    exact_conditions: ClassVar[bool] = True

    @classmethod
    def search_space(cls, trial: Trial, max_epochs: int) -> dict[str, Any]:
        return {
            "min_leaf": trial.suggest_int("min_leaf", 2, 200, log=True),
            "smoothing": trial.suggest_categorical("smoothing", [True, False]),
            "order": trial.suggest_categorical("order", ["auto", "given"]),
        }

    # -- fit -------------------------------------------------------------------------------------
    def _min_leaf(self, rows: int) -> int:
        return self.params.min_leaf or int(np.clip(rows // 400, 5, 100))

    def _fit(self, data: pd.DataFrame, progress: Progress, stop: Stop) -> None:
        rng = np.random.default_rng(self.params.seed)
        metadata = self.metadata_
        self._forget_compiled()
        self.codecs_: dict[str, ColumnCodec] = {}
        self.categories_: dict[str, list[Any]] = {}
        encoded: dict[str, np.ndarray] = {}
        for name in metadata.names:
            codec = ColumnCodec(metadata.column(name), self.dtypes_[name])
            if not codec.modelled:
                codec.fit(data[name], rng, "empirical")
                self.codecs_[name] = codec
            elif codec.numeric:
                encoded[name] = numeric_values(data[name], metadata.column(name))
            else:
                labels = booleans_or_labels(data[name], metadata.column(name))
                labels = labels.where(data[name].notna(), None)
                counts = labels.value_counts(dropna=False)
                self.categories_[name] = [_plain(value) for value in counts.index]
                index = {category: code for code, category in enumerate(self.categories_[name])}
                encoded[name] = np.array([index[_plain(v)] for v in labels], dtype=float)
        self.order_ = self._order(encoded)
        features = np.empty((len(data), 0))
        self.steps_: list[Step] = []
        min_leaf = self._min_leaf(len(data))
        for done, name in enumerate(self.order_, start=1):
            if (reason := stop()) is not None:
                raise StopTraining(reason)
            values = encoded[name]
            seed = int(rng.integers(2**31))
            grow = partial(
                DonorTree.grow, min_leaf=min_leaf, max_depth=self.params.max_depth, seed=seed
            )
            if name in self.categories_:
                tree = grow(features, values, discrete=True)
                self.steps_.append(Step(name, "choice", tree))
            else:
                missing = np.isnan(values)
                if metadata.column(name).nullable:
                    flags = missing.astype(float)
                    tree = grow(features, flags, discrete=True)
                    self.steps_.append(Step(name, "missing", tree))
                present = ~missing
                tree = grow(features[present], values[present], discrete=False)
                smooth = self.params.smoothing and _near_continuous(values[present])
                self.steps_.append(Step(name, "value", tree, smooth))
            features = np.column_stack([features, values])
            progress("fit trees", done, len(self.order_), "columns")

    def _order(self, encoded: dict[str, np.ndarray]) -> list[str]:
        names = list(encoded)
        if self.params.order == "given":
            return names
        distinct = {
            name: len(np.unique(values[~np.isnan(values)])) for name, values in encoded.items()
        }
        return sorted(names, key=lambda name: distinct[name])

    # -- sample ----------------------------------------------------------------------------------
    def _sample(self, rows: int, rng: np.random.Generator) -> pd.DataFrame:
        return self._restore_frame(self._columns(rows, rng), rows, rng)

    def _sample_arrow(self, rows: int, rng: np.random.Generator) -> pa.Table:
        return self._restore_arrow(self._columns(rows, rng), rows, rng)

    def _propose(
        self, rows: int, conditions: dict[str, Any], rng: np.random.Generator
    ) -> pd.DataFrame:
        return self._restore_frame(self._draw(rows, conditions, rng), rows, rng)

    def _expect_rows(self, rows: int) -> None:
        if rows >= COMPILE_FROM_ROWS:
            self._compiled()

    def _forget_compiled(self) -> None:
        self._compiled_trees: CompiledTrees | None = None
        self._arrow_schema: pa.Schema | None = None
        self._rows_sampled = 0

    def _compiled(self) -> CompiledTrees:
        if getattr(self, "_compiled_trees", None) is None:
            position = {name: index for index, name in enumerate(self.order_)}
            nullable = {position[step.column] for step in self.steps_ if step.role == "missing"}
            self._compiled_trees = CompiledTrees.compile(
                [step.tree for step in self.steps_],
                len(self.order_),
                [None if step.role == "missing" else position[step.column] for step in self.steps_],
                nullable,
            )
        assert self._compiled_trees is not None
        return self._compiled_trees

    def _columns(self, rows: int, rng: np.random.Generator) -> list[np.ndarray]:
        """Unconditioned rows as one array per column in model order (categories as codes,
        missing numbers as NaN), through the compiled trees once enough rows were asked for."""
        self._rows_sampled = getattr(self, "_rows_sampled", 0) + rows
        if self._rows_sampled < COMPILE_FROM_ROWS and self._compiled_trees is None:
            return self._draw(rows, {}, rng)
        compiled = self._compiled()
        position = {name: index for index, name in enumerate(self.order_)}
        columns: list[np.ndarray] = [np.empty(0)] * len(self.order_)
        bins: list[np.ndarray] = [np.empty(0, dtype=np.intp)] * len(self.order_)
        missing: np.ndarray | None = None
        for step, table, donor_bins in zip(
            self.steps_, compiled.tables, compiled.donor_bins, strict=True
        ):
            column = position[step.column]
            leaves = table.apply(bins, rows)
            picked = None if step.smooth else step.tree.pick(leaves, rng)
            values = (
                step.tree.draw_between(leaves, rng) if picked is None else step.tree.donors[picked]
            )
            if step.role == "missing":
                missing = values.astype(bool)
                continue
            column_bins = None if picked is None or donor_bins is None else donor_bins[picked]
            if missing is not None:
                values = np.where(missing, np.nan, values)
                if column_bins is not None:
                    column_bins[missing] = compiled.bins.width(column) - 1
                missing = None
            columns[column] = values
            if compiled.tested(column):
                bins[column] = (
                    compiled.bins.bins(column, values) if column_bins is None else column_bins
                )
        return columns

    def _draw(
        self, wanted_rows: int, conditions: dict[str, Any], rng: np.random.Generator
    ) -> list[np.ndarray]:
        # Resampling needs a pool to choose from: a few rows alone may all miss a condition.
        rows = max(wanted_rows, CONDITION_POOL) if conditions else wanted_rows
        features = np.full((rows, len(self.order_)), np.nan)
        position = {name: index for index, name in enumerate(self.order_)}
        missing = np.zeros(rows, dtype=bool)
        for step in self.steps_:
            column = position[step.column]
            leaves = step.tree.apply(features[:, :column]) if column else np.zeros(rows, np.int64)
            wanted = conditions.get(step.column)
            matches = None if wanted is None else self._condition_mask(step, wanted)
            if matches is not None:
                weights = step.tree.matching_share(leaves, matches)
                if step.role == "value":
                    weights = np.where(missing, 0.0, weights)
                total = weights.sum()
                if total <= 0:
                    raise InvalidInput(
                        f"condition on {step.column!r}: no value the model can produce meets "
                        f"{wanted!r}",
                        field=step.column,
                    )
                chosen = rng.choice(rows, rows, p=weights / total)
                features, leaves, missing = features[chosen], leaves[chosen], missing[chosen]
                values = step.tree.draw_matching(leaves, matches, rng)
            elif step.smooth:
                values = step.tree.draw_between(leaves, rng)
            else:
                values = step.tree.draw(leaves, rng)
            if step.role == "missing":
                missing = values.astype(bool)
                continue
            if step.role == "value":
                values = np.where(missing, np.nan, values)
                missing = np.zeros(rows, dtype=bool)
            features[:, column] = values
        return [features[:wanted_rows, column] for column in range(len(self.order_))]

    def _condition_mask(self, step: Step, wanted: Any) -> np.ndarray:
        donors = step.tree.donors
        if step.role == "choice":
            categories = self.categories_[step.column]
            codes = [code for code, category in enumerate(categories) if category == _plain(wanted)]
            return np.isin(donors, codes)
        if step.role == "missing":
            return np.asarray(
                donors == 0.0
            )  # a condition on a value asks for the value to be present
        low, high = wanted if isinstance(wanted, tuple | list) else (wanted, wanted)
        column = self.metadata_.column(step.column)
        if column.kind.is_numeric and column.decimals is not None:
            half_step = 0.5 * 10.0 ** (-column.decimals)  # values are rounded on the way out
            low, high = low - half_step, high + half_step
        return np.asarray((donors >= low) & (donors <= high))

    def _restore_series(
        self, name: str, columns: list[np.ndarray], rows: int, rng: np.random.Generator
    ) -> pd.Series:
        column = self.metadata_.column(name)
        dtype = self.dtypes_[name]
        if name in self.codecs_:
            return self.codecs_[name].inverse(np.empty((rows, 0)), rows, rng)
        values = columns[self.order_.index(name)]
        if name in self.categories_:
            categories = np.empty(len(self.categories_[name]), dtype=object)
            categories[:] = self.categories_[name]
            return restore_values(categories[values.astype(np.int64)], column, dtype)
        series = restore_values(values, column, dtype)
        if column.nullable:
            series[np.isnan(values)] = None
        return series

    def _restore_frame(
        self, columns: list[np.ndarray], rows: int, rng: np.random.Generator
    ) -> pd.DataFrame:
        return pd.DataFrame(
            {
                name: self._restore_series(name, columns, rows, rng).reset_index(drop=True)
                for name in self.metadata_.names
            }
        )

    def _restore_arrow(
        self, columns: list[np.ndarray], rows: int, rng: np.random.Generator
    ) -> pa.Table:
        """The table ``pa.Table.from_pandas(self._restore_frame(...))`` gives, built from the
        arrays where the column kind allows (numbers, categories), through pandas elsewhere."""
        arrays: list[pa.Array] = []
        for name in self.metadata_.names:
            column = self.metadata_.column(name)
            array: pa.Array | None = None
            if name not in self.codecs_:
                values = columns[self.order_.index(name)]
                if name in self.categories_:
                    array = labels_to_arrow(values, self.categories_[name])
                else:
                    array = numbers_to_arrow(values, column)
            if array is None:
                series = self._restore_series(name, columns, rows, rng)
                array = pa.Array.from_pandas(series)
            arrays.append(array)
        schema = self._schema(columns, [array.type for array in arrays])
        return pa.Table.from_arrays(
            [
                array if array.type == field.type else array.cast(field.type)
                for array, field in zip(arrays, schema, strict=True)
            ],
            schema=schema,
        )

    def _schema(self, columns: list[np.ndarray], types: list[pa.DataType]) -> pa.Schema:
        """The schema (with pandas' metadata) that the frames of these rows have in Arrow, from
        the first rows; a column missing throughout them takes the type built here."""
        if getattr(self, "_arrow_schema", None) is None:
            rows = min(len(columns[0]), SCHEMA_SAMPLE_ROWS)
            head = [values[:rows] for values in columns]
            frame = self._restore_frame(head, rows, np.random.default_rng(0))
            schema = pa.Schema.from_pandas(frame, preserve_index=False)
            for index, type_ in enumerate(types):
                if pa.types.is_null(schema.field(index).type):
                    schema = schema.set(index, schema.field(index).with_type(type_))
            self._arrow_schema = schema
        assert self._arrow_schema is not None
        return self._arrow_schema

    # -- model files -----------------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays: dict[str, np.ndarray] = {}
        steps = []
        for index, step in enumerate(self.steps_):
            arrays |= step.tree.arrays(f"step{index}")
            steps.append({"column": step.column, "role": step.role, "smooth": step.smooth})
        state = {
            "order": self.order_,
            "steps": steps,
            "categories": self.categories_,
            "codecs": {name: codec.state() for name, codec in self.codecs_.items()},
        }
        state["compiled"], compiled_arrays = self._compiled().state()
        return state, arrays | compiled_arrays

    def _restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self._forget_compiled()
        self.order_ = list(state["order"])
        self.categories_ = {name: list(values) for name, values in state["categories"].items()}
        self.steps_ = [
            Step(
                step["column"],
                step["role"],
                DonorTree.restore(arrays, f"step{index}"),
                bool(step.get("smooth", False)),
            )
            for index, step in enumerate(state["steps"])
        ]
        self.codecs_ = {}
        for name, codec_state in state["codecs"].items():
            codec = ColumnCodec(self.metadata_.column(name), self.dtypes_[name])
            codec.restore(codec_state, arrays, f"codec.{name}")
            self.codecs_[name] = codec
        if "compiled" in state:  # absent in files saved before the trees were compiled
            self._compiled_trees = CompiledTrees.restore(state["compiled"], arrays)


def _near_continuous(values: np.ndarray) -> bool:
    return len(np.unique(values)) >= SMOOTH_DISTINCT_SHARE * len(values)


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value
