"""Per-column statistics of a dataset, computed with polars."""

from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa

from synthfoundry.datasets.schemas import ColumnStats, DatasetStats
from synthfoundry.tabular.metadata import Metadata

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
TOP_VALUES = 10


def profile(table: pa.Table, metadata: Metadata) -> DatasetStats:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    columns = []
    for name in frame.columns:
        series = frame[name]
        kind = metadata.kind(name)
        stats = ColumnStats(
            name=name,
            kind=kind,
            nulls=series.null_count(),
            distinct=series.n_unique(),
        )
        present = series.drop_nulls()
        if series.dtype.is_numeric() and len(present):
            stats.minimum, stats.maximum = _plain(present.min()), _plain(present.max())
            numbers = present.cast(pl.Float64)
            stats.mean = float(numbers.mean() or 0.0)  # type: ignore[arg-type]
            stats.quantiles = {
                f"p{int(q * 100):02d}": float(numbers.quantile(q) or 0.0) for q in QUANTILES
            }
        elif len(present) and series.dtype != pl.Boolean:
            stats.minimum, stats.maximum = _plain(present.min()), _plain(present.max())
        if not series.dtype.is_float():
            counts = present.value_counts(sort=True).head(TOP_VALUES)
            stats.top_values = [
                {"value": _plain(row[name]), "count": int(row["count"])}
                for row in counts.iter_rows(named=True)
            ]
        columns.append(stats)
    return DatasetStats(rows=frame.height, columns=columns)


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
