"""A table as one float matrix for the neural models, and back.

Each modelled column becomes a block of the matrix made of spans: ``tanh`` spans (one number in
[-1, 1]) and ``softmax`` spans (a one-hot choice). Numbers use mode-specific normalisation (an
offset and a one-hot mode), optionally after a copula transform to normal scores (CopulaGAN), or
plain min-max scaling; categories and booleans are one-hot with missing as a category of its
own; a nullable number gets a two-way missing span. Identifiers, free text and constants are not
modelled: they are regenerated on the way back as the copula's codec does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from synthfoundry.tabular.codecs import ColumnCodec
from synthfoundry.tabular.metadata import ColumnMetadata, Metadata
from synthfoundry.tabular.modes import ModeNormalizer
from synthfoundry.tabular.transforms import (
    NumericMarginal,
    booleans_or_labels,
    numeric_values,
    restore_values,
)

NumericScheme = Literal["modes", "copula_modes", "minmax"]
Activation = Literal["tanh", "softmax"]
COPULA_CLIP = 1e-6


@dataclass(frozen=True)
class Span:
    start: int
    width: int
    activation: Activation


@dataclass(frozen=True)
class DiscreteSpan:
    """A categorical column's one-hot span, with how often each category occurs."""

    column: str
    start: int
    counts: np.ndarray

    @property
    def width(self) -> int:
        return len(self.counts)


class EncodedColumn:
    def __init__(self, column: ColumnMetadata, dtype: str, numeric: NumericScheme) -> None:
        self.column, self.dtype, self.numeric = column, dtype, numeric
        self.codec = ColumnCodec(column, dtype)
        self.categories: list[Any] = []
        self.counts = np.zeros(0)
        self.modes: ModeNormalizer | None = None
        self.marginal: NumericMarginal | None = None
        self.bounds = (0.0, 1.0)

    @property
    def is_numeric(self) -> bool:
        return self.codec.numeric and self.codec.modelled

    @property
    def is_discrete(self) -> bool:
        return self.codec.modelled and not self.codec.numeric

    def widths(self) -> list[tuple[int, Activation]]:
        if not self.codec.modelled:
            return []
        if self.is_discrete:
            return [(len(self.categories), "softmax")]
        spans: list[tuple[int, Activation]] = [(1, "tanh")]
        if self.modes is not None:
            spans.append((self.modes.modes, "softmax"))
        if self.column.nullable:
            spans.append((2, "softmax"))
        return spans

    @property
    def width(self) -> int:
        return sum(width for width, _ in self.widths())

    def fit(self, values: pd.Series, rng: np.random.Generator) -> None:
        if not self.codec.modelled:
            self.codec.fit(values, rng, "empirical")
            return
        if self.is_discrete:
            counts = _labels(values, self.column).value_counts(dropna=False)
            self.categories = [_plain(value) for value in counts.index]
            self.counts = counts.to_numpy(dtype=float)
            return
        present = numeric_values(values, self.column)
        present = present[~np.isnan(present)]
        if self.numeric == "copula_modes":
            self.marginal = NumericMarginal.fit(present, "auto", rng)
            present = self._to_normal(present, rng)
        if self.numeric == "minmax":
            self.bounds = (float(present.min()), float(present.max()))
        else:
            self.modes = ModeNormalizer.fit(present, rng)

    def _to_normal(self, numbers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        assert self.marginal is not None
        uniforms = np.clip(self.marginal.cdf(numbers, rng), COPULA_CLIP, 1 - COPULA_CLIP)
        return np.asarray(stats.norm.ppf(uniforms))

    def forward(self, values: pd.Series, rng: np.random.Generator) -> np.ndarray:
        rows = len(values)
        if not self.codec.modelled:
            return np.empty((rows, 0))
        if self.is_discrete:
            index = {category: position for position, category in enumerate(self.categories)}
            labels = _labels(values, self.column)
            positions = np.array([index.get(_plain(label), 0) for label in labels], dtype=int)
            return _one_hot(positions, len(self.categories))
        numbers = numeric_values(values, self.column)
        missing = np.isnan(numbers)
        if missing.any():
            # Stand-ins drawn from the observed values, so as not to bend the shape or correlations.
            numbers[missing] = rng.choice(numbers[~missing], int(missing.sum()))
        if self.marginal is not None:
            numbers = self._to_normal(numbers, rng)
        blocks = []
        if self.modes is not None:
            offsets, modes = self.modes.forward(numbers, rng)
            blocks += [offsets[:, None], _one_hot(modes, self.modes.modes)]
        else:
            low, high = self.bounds
            scaled = 2 * (numbers - low) / (high - low) - 1 if high > low else np.zeros(rows)
            blocks.append(np.clip(scaled, -1, 1)[:, None])
        if self.column.nullable:
            blocks.append(_one_hot(missing.astype(int), 2))
        return np.hstack(blocks)

    def inverse(self, block: np.ndarray, rng: np.random.Generator) -> pd.Series:
        rows = len(block)
        if not self.codec.modelled:
            return self.codec.inverse(block, rows, rng)
        if self.is_discrete:
            chosen = block.argmax(axis=1)
            return restore_values([self.categories[i] for i in chosen], self.column, self.dtype)
        offsets = block[:, 0]
        if self.modes is not None:
            modes = block[:, 1 : 1 + self.modes.modes].argmax(axis=1)
            numbers = self.modes.inverse(offsets, modes)
        else:
            low, high = self.bounds
            numbers = (np.clip(offsets, -1, 1) + 1) / 2 * (high - low) + low
        if self.marginal is not None:
            numbers = self.marginal.inverse(stats.norm.cdf(numbers))
        restored = restore_values(numbers, self.column, self.dtype)
        if self.column.nullable:
            restored[block[:, -2:].argmax(axis=1) == 1] = None
        return restored

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"codec": self.codec.state(), "bounds": list(self.bounds)}
        if self.is_discrete:
            state |= {"categories": self.categories, "counts": self.counts.tolist()}
        if self.modes is not None:
            state["modes"] = self.modes.state()
        if self.marginal is not None:
            state["marginal"] = self.marginal.state()
        return state

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return self.marginal.arrays(prefix) if self.marginal is not None else {}

    def restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray], prefix: str) -> None:
        self.codec.restore(state["codec"], arrays, prefix)
        self.bounds = (float(state["bounds"][0]), float(state["bounds"][1]))
        self.categories = list(state.get("categories", []))
        self.counts = np.asarray(state.get("counts", []), dtype=float)
        if "modes" in state:
            self.modes = ModeNormalizer.restore(state["modes"])
        if "marginal" in state:
            self.marginal = NumericMarginal.restore(state["marginal"], arrays, prefix)


class TabularEncoder:
    """Every column of a table, side by side in one matrix."""

    def __init__(
        self, metadata: Metadata, dtypes: dict[str, str], numeric: NumericScheme = "modes"
    ) -> None:
        self.metadata = metadata
        self.columns = [
            EncodedColumn(metadata.column(name), dtypes[name], numeric) for name in metadata.names
        ]

    def fit(self, frame: pd.DataFrame, rng: np.random.Generator) -> TabularEncoder:
        for encoded in self.columns:
            encoded.fit(frame[encoded.column.name], rng)
        return self

    @property
    def width(self) -> int:
        return sum(encoded.width for encoded in self.columns)

    @property
    def spans(self) -> list[Span]:
        spans, start = [], 0
        for encoded in self.columns:
            for width, activation in encoded.widths():
                spans.append(Span(start, width, activation))
                start += width
        return spans

    @property
    def discrete(self) -> list[DiscreteSpan]:
        """The categorical columns' spans, which conditional models can be asked for."""
        found, start = [], 0
        for encoded in self.columns:
            if encoded.is_discrete and len(encoded.categories) > 1:
                found.append(DiscreteSpan(encoded.column.name, start, encoded.counts))
            start += encoded.width
        return found

    def category_index(self, column: str, value: Any) -> int | None:
        for encoded in self.columns:
            if encoded.column.name == column and encoded.is_discrete:
                for position, category in enumerate(encoded.categories):
                    if category == _plain(value):
                        return position
        return None

    def transform(self, frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        blocks = [encoded.forward(frame[encoded.column.name], rng) for encoded in self.columns]
        return np.hstack(blocks).astype(np.float32) if blocks else np.empty((len(frame), 0))

    def inverse(self, matrix: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
        columns, start = {}, 0
        for encoded in self.columns:
            block = matrix[:, start : start + encoded.width]
            columns[encoded.column.name] = encoded.inverse(block, rng).reset_index(drop=True)
            start += encoded.width
        return pd.DataFrame(columns)

    def state(self) -> list[dict[str, Any]]:
        return [encoded.state() for encoded in self.columns]

    def arrays(self) -> dict[str, np.ndarray]:
        arrays: dict[str, np.ndarray] = {}
        for index, encoded in enumerate(self.columns):
            arrays.update(encoded.arrays(f"encoder.column{index}"))
        return arrays

    def restore(self, state: list[dict[str, Any]], arrays: dict[str, np.ndarray]) -> None:
        for index, (encoded, column_state) in enumerate(zip(self.columns, state, strict=True)):
            encoded.restore(column_state, arrays, f"encoder.column{index}")


def _labels(values: pd.Series, column: ColumnMetadata) -> pd.Series:
    labels = booleans_or_labels(values, column)
    return labels.where(values.notna(), None)


def _one_hot(positions: np.ndarray, width: int) -> np.ndarray:
    matrix = np.zeros((len(positions), width))
    matrix[np.arange(len(positions)), positions] = 1.0
    return matrix


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value
