"""Columns to and from uniform (0, 1) dimensions, for copula-style models."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthfoundry.tabular.metadata import ColumnKind, ColumnMetadata
from synthfoundry.tabular.strings import CharacterModel
from synthfoundry.tabular.transforms import (
    CategoryIntervals,
    NumericMarginal,
    WordBag,
    booleans_or_labels,
    numeric_values,
    regenerate_identifiers,
    restore_values,
)

MISSING_LABEL = None
# Text longer than this on average is prose: words are recombined. Shorter near-unique values
# (names, cities, titles, codes) get new values from a character model.
SHORT_TEXT_CHARACTERS = 40


class ColumnCodec:
    """One column: its uniform dimensions (value, and a missing flag when nullable) and back."""

    def __init__(self, column: ColumnMetadata, dtype: str) -> None:
        self.column, self.dtype = column, dtype
        self.marginal: NumericMarginal | None = None
        self.intervals: CategoryIntervals | None = None
        self.missing: CategoryIntervals | None = None
        self.words: WordBag | None = None
        self.strings: CharacterModel | None = None

    @property
    def modelled(self) -> bool:
        return self.column.kind not in (ColumnKind.IDENTIFIER, ColumnKind.TEXT, ColumnKind.CONSTANT)

    @property
    def numeric(self) -> bool:
        return self.column.kind.is_numeric or self.column.kind == ColumnKind.DATETIME

    @property
    def dimensions(self) -> int:
        if not self.modelled:
            return 0
        return 1 + (1 if self.numeric and self.column.nullable else 0)

    def fit(self, values: pd.Series, rng: np.random.Generator, marginals: str) -> None:
        kind = self.column.kind
        if kind == ColumnKind.TEXT:
            present = values.dropna()
            if len(present) and present.astype(str).str.len().mean() <= SHORT_TEXT_CHARACTERS:
                self.strings = CharacterModel.fit(present, rng)
            else:
                self.words = WordBag.fit(present)
        if not self.modelled:
            return
        if self.numeric:
            numbers = numeric_values(values, self.column)
            present = numbers[~np.isnan(numbers)]
            self.marginal = NumericMarginal.fit(present, marginals, rng)
            if self.column.nullable:
                self.missing = CategoryIntervals.fit(pd.Series(np.isnan(numbers)))
        else:
            labels = booleans_or_labels(values, self.column).where(values.notna(), MISSING_LABEL)
            self.intervals = CategoryIntervals.fit(labels.astype("object"))

    def forward(self, values: pd.Series, rng: np.random.Generator) -> np.ndarray:
        if not self.modelled:
            return np.empty((len(values), 0))
        if self.numeric:
            assert self.marginal is not None
            numbers = numeric_values(values, self.column)
            missing = np.isnan(numbers)
            if (
                missing.any()
            ):  # stand-ins drawn from the observed values, so as not to bend correlations
                numbers[missing] = rng.choice(numbers[~missing], missing.sum())
            columns = [self.marginal.cdf(numbers, rng)]
            if self.missing is not None:
                columns.append(self.missing.forward(pd.Series(missing), rng))
            return np.column_stack(columns)
        assert self.intervals is not None
        labels = booleans_or_labels(values, self.column).where(values.notna(), MISSING_LABEL)
        return self.intervals.forward(labels, rng)[:, None]

    def inverse(self, uniforms: np.ndarray, rows: int, rng: np.random.Generator) -> pd.Series:
        column = self.column
        if column.kind == ColumnKind.IDENTIFIER:
            return pd.Series(
                regenerate_identifiers(column.identifier_pattern, rows, rng), dtype="object"
            )
        if column.kind == ColumnKind.TEXT:
            if self.strings is not None:
                made = self.strings.generate(rows, rng)
            else:
                assert self.words is not None
                made = self.words.generate(rows, rng)
            texts = pd.Series(made, dtype="object")
            return texts.where(rng.random(rows) >= column.null_fraction, None)
        if column.kind == ColumnKind.CONSTANT:
            constant = pd.Series([column.constant_value] * rows, dtype="object")
            return constant.where(rng.random(rows) >= column.null_fraction, None)
        if self.numeric:
            assert self.marginal is not None
            numbers = self.marginal.inverse(uniforms[:, 0])
            restored = restore_values(numbers, column, self.dtype)
            if self.missing is not None:
                missing = np.asarray(self.missing.inverse(uniforms[:, 1]), dtype=bool)
                restored[missing] = None
            return restored
        assert self.intervals is not None
        return restore_values(self.intervals.inverse(uniforms[:, 0]), column, self.dtype)

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = {}
        if self.marginal is not None:
            state["marginal"] = self.marginal.state()
        if self.intervals is not None:
            state["intervals"] = self.intervals.state()
        if self.missing is not None:
            state["missing"] = self.missing.state()
        if self.words is not None:
            state["words"] = self.words.state()
        if self.strings is not None:
            state["strings"] = self.strings.state()
        return state

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return self.marginal.arrays(prefix) if self.marginal is not None else {}

    def restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray], prefix: str) -> None:
        if "marginal" in state:
            self.marginal = NumericMarginal.restore(state["marginal"], arrays, prefix)
        if "intervals" in state:
            self.intervals = CategoryIntervals.restore(state["intervals"])
        if "missing" in state:
            self.missing = CategoryIntervals.restore(state["missing"])
        if "words" in state:
            self.words = WordBag.restore(state["words"])
        if "strings" in state:
            self.strings = CharacterModel.restore(state["strings"])
