"""Inputs made comparable: pandas or pyarrow in, aligned columns, numeric and coded views."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from synthfoundry.errors import InvalidInput
from synthfoundry.tabular.metadata import (
    ColumnKind,
    Metadata,
    as_booleans,
    datetime_seconds,
    parse_datetimes,
)

MISSING = "<missing>"
COMPARABLE = frozenset(
    {
        ColumnKind.INTEGER,
        ColumnKind.FLOAT,
        ColumnKind.DATETIME,
        ColumnKind.CATEGORICAL,
        ColumnKind.BOOLEAN,
        ColumnKind.CONSTANT,
    }
)


def to_pandas(table: Any, role: str) -> pd.DataFrame:
    if isinstance(table, pd.DataFrame):
        frame = table
    elif hasattr(table, "to_pandas"):  # pyarrow.Table, polars.DataFrame
        frame = table.to_pandas()
    else:
        raise InvalidInput(
            f"the {role} table must be a pandas DataFrame or a pyarrow Table", field=role
        )
    if frame.shape[1] == 0:
        raise InvalidInput(f"the {role} table has no columns", field=role)
    if len(frame) == 0:
        raise InvalidInput(f"the {role} table has no rows", field=role)
    frame = frame.copy()
    frame.columns = [str(column) for column in frame.columns]
    return frame.reset_index(drop=True)


def check_same_columns(real: pd.DataFrame, other: pd.DataFrame, role: str) -> pd.DataFrame:
    missing = [column for column in real.columns if column not in other.columns]
    extra = [column for column in other.columns if column not in real.columns]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(map(repr, missing[:5]))}")
        if extra:
            parts.append(f"unexpected {', '.join(map(repr, extra[:5]))}")
        raise InvalidInput(
            f"the {role} table's columns differ from the real table's: {'; '.join(parts)}",
            field=(missing or extra)[0],
        )
    return other[list(real.columns)]


def numeric_view(values: pd.Series, kind: ColumnKind, datetime_format: str | None) -> np.ndarray:
    """Floats (NaN for missing) for numbers, datetimes (seconds) and booleans."""
    if kind == ColumnKind.DATETIME:
        return datetime_seconds(parse_datetimes(values, datetime_format))
    if kind == ColumnKind.BOOLEAN:
        return np.asarray(
            as_booleans(values).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        )
    return np.asarray(pd.to_numeric(values, errors="coerce").astype(float).to_numpy())


def label_view(values: pd.Series, kind: ColumnKind) -> np.ndarray:
    """Strings for categories, with one label for missing values."""
    if kind == ColumnKind.BOOLEAN:
        values = as_booleans(values)
    missing = values.isna().to_numpy()
    text: np.ndarray = np.asarray(values.astype("string").fillna(MISSING).to_numpy(dtype=object))
    text[missing] = MISSING
    return text


@dataclass(frozen=True)
class Coded:
    """Both tables' labels of one column as integer codes over the union of their labels."""

    real: np.ndarray
    synthetic: np.ndarray
    labels: list[str]


def codes(real: np.ndarray, synthetic: np.ndarray) -> Coded:
    labels, inverse = np.unique(np.concatenate([real, synthetic]).astype(str), return_inverse=True)
    return Coded(inverse[: len(real)], inverse[len(real) :], [str(label) for label in labels])


Binning = Literal["shared", "sdmetrics"]


def bins(
    real: np.ndarray, synthetic: np.ndarray, count: int = 10, binning: Binning = "shared"
) -> tuple[np.ndarray, np.ndarray, int]:
    """Equal-width bins over the real range; synthetic values beyond it fall in the end bins,
    missing values in a bin of their own.

    ``binning="sdmetrics"`` reproduces SDMetrics' QualityReport instead: each table is cut on
    edges from its own values (so the same bin number can mean different ranges), and the
    maximum shares a bin with missing values. It exists to compare with published SDMetrics
    figures; it scores two samples of one distribution low when they have different outliers.
    """
    if binning == "sdmetrics":

        def own_bins(values: np.ndarray) -> np.ndarray:
            finite = values[np.isfinite(values)]
            edges = (
                np.histogram_bin_edges(finite, bins=count) if len(finite) else np.array([0.0, 1.0])
            )
            return np.asarray(np.digitize(values, edges))

        return own_bins(real), own_bins(synthetic), count + 2
    finite = real[np.isfinite(real)]
    if len(finite) == 0 or finite.min() == finite.max():
        edges = np.array([-np.inf, np.inf])
    else:
        edges = np.histogram_bin_edges(finite, bins=count)
    inner = edges[1:-1]

    def assign(values: np.ndarray) -> np.ndarray:
        coded = np.searchsorted(inner, values, side="right")
        return np.where(np.isnan(values), len(inner) + 1, coded)

    return assign(real), assign(synthetic), len(inner) + 2


def comparable_columns(metadata: Metadata) -> tuple[list[str], list[tuple[str, str]]]:
    kept, skipped = [], []
    for column in metadata.columns:
        if column.kind in COMPARABLE:
            kept.append(column.name)
        else:
            skipped.append((column.name, f"{column.kind} columns are not compared"))
    return kept, skipped


def is_continuous(kind: ColumnKind) -> bool:
    return kind in (ColumnKind.INTEGER, ColumnKind.FLOAT, ColumnKind.DATETIME)
