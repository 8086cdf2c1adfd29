"""An example third-party synthesizer: each column's observed values and their frequencies,
drawn independently of the other columns. It keeps every column's distribution and none of the
relations between columns: a baseline, and the proof that a model is one module.

It lives outside ``src/`` on purpose and joins Synthfoundry only through an entry point:

    [synthfoundry.synthesizers]
    independent_columns = independent_columns:IndependentColumnsSynthesizer
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from synthfoundry.progress import Progress
from synthfoundry.synthesizers.base import Capabilities, Modality, Stop, StopTraining
from synthfoundry.tabular.base import TabularSynthesizer

ValueKind = Literal["number", "text"]


class IndependentColumnsParams(BaseModel):
    seed: int = Field(default=0, ge=0, le=2**32 - 1, description="makes sampling reproducible")


class ColumnDistribution:
    """One column's observed values (numbers as floats, anything else as strings), the share of
    each among the present values, and the share of missing values."""

    def __init__(
        self, kind: ValueKind, values: np.ndarray, shares: np.ndarray, missing: float
    ) -> None:
        self.kind = kind
        self.values = values
        self.shares = shares
        self.missing = missing

    @classmethod
    def learn(cls, column: pd.Series) -> ColumnDistribution:
        present = column.dropna()
        missing = 1.0 - len(present) / len(column) if len(column) else 0.0
        kind: ValueKind = "number" if pd.api.types.is_numeric_dtype(column) else "text"
        # Plain float and unicode arrays: a model file never needs pickle to load.
        observed = present.to_numpy(dtype=float if kind == "number" else str)
        values, counts = np.unique(observed, return_counts=True)
        shares = counts / counts.sum() if counts.size else counts.astype(float)
        return cls(kind, values, shares.astype(float), missing)

    def draw(self, rows: int, rng: np.random.Generator) -> pd.Series:
        if self.values.size == 0:
            return pd.Series([None] * rows, dtype=object)
        drawn = rng.choice(self.values, size=rows, p=self.shares)
        series = pd.Series(drawn if self.kind == "number" else drawn.astype(object))
        if self.missing > 0:
            series = series.where(rng.random(rows) >= self.missing, None)
        return series


def _with_dtype(series: pd.Series, dtype: str) -> pd.Series:
    """The training column's dtype where it holds every drawn value (an int column keeps ints
    unless it had missing values); otherwise floats or strings as drawn."""
    if series.isna().any():
        return series
    try:
        return series.astype(dtype)
    except (TypeError, ValueError):
        return series


class IndependentColumnsSynthesizer(TabularSynthesizer):
    name = "independent_columns"
    description = "Each column's observed values and frequencies, drawn independently."
    Params = IndependentColumnsParams
    capabilities: ClassVar[Capabilities] = Capabilities(modality=Modality.TABULAR)
    params: IndependentColumnsParams

    def _fit(self, data: pd.DataFrame, progress: Progress, stop: Stop) -> None:
        self.columns_: dict[str, ColumnDistribution] = {}
        for done, name in enumerate(data.columns, start=1):
            if (reason := stop()) is not None:
                raise StopTraining(reason)
            self.columns_[str(name)] = ColumnDistribution.learn(data[name])
            progress("count values", done, data.shape[1], "columns")

    def _sample(self, rows: int, rng: np.random.Generator) -> pd.DataFrame:
        return pd.DataFrame(
            {
                name: _with_dtype(column.draw(rows, rng), self.dtypes_[name])
                for name, column in self.columns_.items()
            }
        )

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        columns, arrays = [], {}
        for index, (name, column) in enumerate(self.columns_.items()):
            columns.append({"name": name, "kind": column.kind, "missing": column.missing})
            arrays[f"values{index}"] = column.values
            arrays[f"shares{index}"] = column.shares
        return {"columns": columns}, arrays

    def _restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.columns_ = {
            entry["name"]: ColumnDistribution(
                entry["kind"],
                arrays[f"values{index}"],
                arrays[f"shares{index}"],
                float(entry["missing"]),
            )
            for index, entry in enumerate(state["columns"])
        }
