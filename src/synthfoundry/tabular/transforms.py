"""Reversible column transforms: each column to values in (0, 1) and back.

Numbers go through a fitted marginal CDF (a parametric family where one fits, else smoothed
empirical quantiles); ties (integers, repeated values) are spread uniformly within their step of
the CDF so that the image is continuous. Categories map to intervals of (0, 1) as wide as their
frequency, so rare categories keep their share. Missing values become a separate 0/1 indicator.
Identifiers and free text are not modelled: identifiers are regenerated unique in their observed
shape, free text from the column's word frequencies.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from synthfoundry.tabular.metadata import (
    IDENTIFIER_CLASSES,
    ColumnKind,
    ColumnMetadata,
    as_booleans,
    datetime_seconds,
    parse_datetimes,
)

QUANTILE_KNOTS = 201
MAX_FIT_SAMPLE = 20_000
PARAMETRIC_FIT_THRESHOLD = 0.02
FAMILIES = {
    "normal": stats.norm,
    "beta": stats.beta,
    "gamma": stats.gamma,
    "uniform": stats.uniform,
}


def numeric_values(values: pd.Series, column: ColumnMetadata) -> np.ndarray:
    if column.kind == ColumnKind.DATETIME:
        return datetime_seconds(parse_datetimes(values, column.datetime_format))
    # A copy of its own: pandas' copy-on-write hands out read-only views.
    return np.array(pd.to_numeric(values, errors="coerce").astype(float).to_numpy(), dtype=float)


class NumericMarginal:
    """The marginal distribution of one numeric column, as a CDF and its inverse."""

    def __init__(
        self, family: str, parameters: list[float], knots: np.ndarray, values: np.ndarray
    ) -> None:
        self.family, self.parameters, self.knots, self.values = family, parameters, knots, values

    @classmethod
    def fit(cls, data: np.ndarray, choice: str, rng: np.random.Generator) -> NumericMarginal:
        sample = (
            data if len(data) <= MAX_FIT_SAMPLE else rng.choice(data, MAX_FIT_SAMPLE, replace=False)
        )
        knots = np.linspace(0, 1, QUANTILE_KNOTS)
        quantiles = np.quantile(sample, knots)
        distinct = np.unique(sample)
        if choice == "empirical" or len(distinct) <= 2:
            return cls("empirical", [], knots, quantiles)
        best, best_distance, best_parameters = "empirical", np.inf, []
        families = FAMILIES if choice == "auto" else {choice: FAMILIES[choice]}
        low, high = float(sample.min()), float(sample.max())
        span = high - low
        for name, family in families.items():
            try:
                if name == "beta":
                    parameters = family.fit(
                        sample, floc=low - 1e-9 * span, fscale=span * (1 + 2e-9)
                    )
                elif name == "gamma":
                    parameters = family.fit(sample, floc=low - 1e-9 * span)
                else:
                    parameters = family.fit(sample)
            except (ValueError, RuntimeError, FloatingPointError):
                continue  # a family that cannot be fitted to these values is no candidate
            distance = stats.kstest(sample, family.cdf, args=parameters).statistic
            if np.isfinite(distance) and distance < best_distance:
                best, best_distance, best_parameters = (
                    name,
                    distance,
                    [float(p) for p in parameters],
                )
        # Ties (integers) make every continuous family look worse than it is, so a family is kept
        # only when it fits the values as well as a smooth curve can.
        if choice == "auto" and (
            best_distance > PARAMETRIC_FIT_THRESHOLD or len(distinct) < 0.5 * len(sample)
        ):
            return cls("empirical", [], knots, quantiles)
        return cls(best, best_parameters, knots, quantiles)

    def cdf(self, data: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if self.family != "empirical":
            return np.asarray(FAMILIES[self.family].cdf(data, *self.parameters))
        # Randomised probability integral transform: a value's probability mass is spread over
        # its whole step of the CDF, so that repeated values do not pile up on one point.
        low = np.interp(data, self.values, self.knots, left=0.0, right=1.0)
        right_side = np.searchsorted(self.values, data, side="right")
        left_side = np.searchsorted(self.values, data, side="left")
        high = np.where(
            right_side > left_side, self.knots[np.clip(right_side - 1, 0, len(self.knots) - 1)], low
        )
        low = np.where(
            right_side > left_side, self.knots[np.clip(left_side, 0, len(self.knots) - 1)], low
        )
        return np.asarray(low + rng.random(len(data)) * (high - low))

    def inverse(self, uniforms: np.ndarray) -> np.ndarray:
        if self.family != "empirical":
            return np.asarray(FAMILIES[self.family].ppf(uniforms, *self.parameters))
        return np.asarray(np.interp(uniforms, self.knots, self.values))

    def state(self) -> dict[str, Any]:
        return {"family": self.family, "parameters": self.parameters}

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.knots": self.knots, f"{prefix}.values": self.values}

    @classmethod
    def restore(
        cls, state: dict[str, Any], arrays: dict[str, np.ndarray], prefix: str
    ) -> NumericMarginal:
        return cls(
            state["family"],
            state["parameters"],
            arrays[f"{prefix}.knots"],
            arrays[f"{prefix}.values"],
        )


class CategoryIntervals:
    """Categories as intervals of (0, 1), most frequent first, each as wide as its share; a
    missing value is a category of its own (``None``), so that it is made again as often."""

    def __init__(self, categories: list[Any], shares: np.ndarray) -> None:
        self.categories, self.shares = categories, shares
        self.upper = np.cumsum(shares)
        self.upper[-1] = 1.0
        self.lower = np.concatenate([[0.0], self.upper[:-1]])

    @classmethod
    def fit(cls, labels: pd.Series) -> CategoryIntervals:
        counts = labels.value_counts(dropna=False)
        return cls([_label(value) for value in counts.index], (counts / counts.sum()).to_numpy())

    def forward(self, labels: pd.Series, rng: np.random.Generator) -> np.ndarray:
        index = {category: position for position, category in enumerate(self.categories)}
        positions = np.array([index.get(_label(label), 0) for label in labels])
        return np.asarray(
            self.lower[positions] + rng.random(len(positions)) * self.shares[positions]
        )

    def inverse(self, uniforms: np.ndarray) -> list[Any]:
        positions = np.clip(
            np.searchsorted(self.upper, uniforms, side="right"), 0, len(self.categories) - 1
        )
        return [self.categories[position] for position in positions]

    def state(self) -> dict[str, Any]:
        return {"categories": self.categories, "shares": self.shares.tolist()}

    @classmethod
    def restore(cls, state: dict[str, Any]) -> CategoryIntervals:
        return cls(list(state["categories"]), np.asarray(state["shares"], dtype=float))


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _label(value: Any) -> Any:
    """A category as kept: a plain Python value, and every kind of missing (NaN, NA) as None."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return _plain(value)


def _pattern_slots(pattern: str) -> list[str]:
    """Each position of an identifier pattern: a class (#, @, %) or an escaped literal."""
    slots, escaped = [], False
    for character in pattern:
        if escaped:
            slots.append("\\" + character)
            escaped = False
        elif character == "\\":
            escaped = True
        else:
            slots.append(character)
    return slots


def regenerate_identifiers(pattern: str | None, rows: int, rng: np.random.Generator) -> list[str]:
    """Unique identifiers shaped like ``pattern`` (see ``ColumnMetadata.identifier_pattern``)."""
    slots = _pattern_slots(pattern or "ID-##########")
    variable = [slot for slot in slots if slot in IDENTIFIER_CLASSES]
    capacity = 1
    for slot in variable:
        capacity *= len(IDENTIFIER_CLASSES[slot])
        if capacity > 10 * rows:
            break
    if capacity < 2 * rows:  # too few free positions to number every row: add digits
        slots += ["-", *["#"] * len(str(rows * 10))]
    drawn = _draw_identifiers(slots, rows, rng)
    while True:  # a clash is redrawn; with capacity over twice the rows, few are
        clashes = np.flatnonzero(pd.Series(drawn).duplicated().to_numpy())
        if not len(clashes):
            return [str(text) for text in drawn]
        drawn[clashes] = _draw_identifiers(slots, len(clashes), rng)


def _draw_identifiers(slots: list[str], rows: int, rng: np.random.Generator) -> np.ndarray:
    """``rows`` identifiers at once: a column of characters per slot, joined by a view of the
    character matrix as one string per row (no Python loop over rows)."""
    characters = np.empty((rows, len(slots)), dtype="<U1")
    for position, slot in enumerate(slots):
        if slot in IDENTIFIER_CLASSES:
            alphabet = np.array(list(IDENTIFIER_CLASSES[slot]), dtype="<U1")
            characters[:, position] = alphabet[rng.integers(0, len(alphabet), rows)]
        else:
            characters[:, position] = slot.removeprefix("\\")
    return np.ascontiguousarray(characters).view(f"<U{len(slots)}").ravel().astype(object)


class WordBag:
    """Free text regenerated from word frequencies and the distribution of lengths in words."""

    def __init__(self, words: list[str], weights: np.ndarray, lengths: np.ndarray) -> None:
        self.words, self.weights, self.lengths = words, weights, lengths

    @classmethod
    def fit(cls, texts: pd.Series) -> WordBag:
        tokens = texts.astype("string").str.split()
        counts = pd.Series([word for row in tokens for word in row]).value_counts().head(5000)
        words = [str(word) for word in counts.index] or ["text"]
        weights = (counts / counts.sum()).to_numpy() if len(counts) else np.array([1.0])
        return cls(words, weights, np.asarray(tokens.map(len).to_numpy(), dtype=int))

    def generate(self, rows: int, rng: np.random.Generator) -> list[str]:
        lengths = rng.choice(np.maximum(self.lengths, 1), rows)
        return [" ".join(rng.choice(self.words, length, p=self.weights)) for length in lengths]

    def state(self) -> dict[str, Any]:
        return {
            "words": self.words,
            "weights": self.weights.tolist(),
            "lengths": self.lengths.tolist(),
        }

    @classmethod
    def restore(cls, state: dict[str, Any]) -> WordBag:
        return cls(
            state["words"], np.asarray(state["weights"]), np.asarray(state["lengths"], dtype=int)
        )


def restore_values(
    values: np.ndarray | list[Any], column: ColumnMetadata, original_dtype: str
) -> pd.Series:
    """Numbers rounded to the column's precision and clipped to its bounds, datetimes in their
    original format, booleans and integers in their original types."""
    if column.kind.is_numeric or column.kind == ColumnKind.DATETIME:
        numbers = np.asarray(values, dtype=float)
        if column.minimum is not None and column.maximum is not None:
            numbers = np.clip(numbers, column.minimum, column.maximum)
        if column.kind == ColumnKind.DATETIME:
            step = _datetime_resolution(column.datetime_format)
            stamps = pd.to_datetime(np.round(numbers / step) * step, unit="s")
            if original_dtype.startswith("datetime"):
                return pd.Series(stamps)
            return pd.Series(
                stamps.strftime(column.datetime_format or "%Y-%m-%dT%H:%M:%S"), dtype="object"
            )
        if column.kind == ColumnKind.INTEGER:
            rounded = np.round(numbers)
            return pd.Series(rounded).astype("Int64" if column.nullable else "int64")
        return pd.Series(np.round(numbers, column.decimals if column.decimals is not None else 6))
    if column.kind == ColumnKind.BOOLEAN:
        if original_dtype in ("bool", "boolean"):
            return pd.Series(values, dtype="boolean" if column.nullable else "bool")
        return pd.Series(values, dtype="object")
    return pd.Series(values, dtype="object")


def _datetime_resolution(datetime_format: str | None) -> float:
    """Seconds per step of a format: a date-only column is rounded to whole days, not cut off
    at midnight."""
    if datetime_format is None or "%S" in datetime_format:
        return 1.0
    if "%M" in datetime_format:
        return 60.0
    if "%H" in datetime_format:
        return 3600.0
    return 86400.0


def booleans_or_labels(values: pd.Series, column: ColumnMetadata) -> pd.Series:
    """The labels a categorical model sees: booleans as True/False when stored as such."""
    if column.kind == ColumnKind.BOOLEAN and pd.api.types.is_bool_dtype(values):
        return as_booleans(values).astype("object")
    return values.astype("object")
