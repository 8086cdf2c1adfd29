"""Gaussian copula: each column through its own marginal distribution to a normal score; the
dependence between columns is the correlation matrix of those scores. Fast, small, and a strong
baseline for mostly numeric tables."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from scipy import stats

from synthfoundry.progress import Progress
from synthfoundry.synthesizers.base import Capabilities, Modality, Stop, StopTraining, Trial
from synthfoundry.tabular.base import TabularSynthesizer
from synthfoundry.tabular.codecs import ColumnCodec

CLIP = 1e-6


class GaussianCopulaParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = Field(
        default=0, ge=0, le=2**32 - 1, description="makes fit and sample reproducible"
    )
    marginals: Literal["auto", "empirical", "normal", "beta", "gamma", "uniform"] = Field(
        default="auto", description="auto: the best-fitting family per column, else empirical"
    )
    max_fit_rows: int = Field(default=200_000, ge=10, le=10_000_000, description="rows used to fit")


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _positive_definite(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    repaired = vectors @ np.diag(np.clip(values, 1e-6, None)) @ vectors.T
    scale = np.sqrt(np.diag(repaired))
    return np.asarray(repaired / np.outer(scale, scale))


class GaussianCopulaSynthesizer(TabularSynthesizer):
    name = "gaussian_copula"
    description = "Per-column marginals joined by a Gaussian copula; fast on CPU."
    Params = GaussianCopulaParams
    capabilities: ClassVar[Capabilities] = Capabilities(
        modality=Modality.TABULAR, needs_training=True, conditional=True
    )
    params: GaussianCopulaParams

    @classmethod
    def search_space(cls, trial: Trial, max_epochs: int) -> dict[str, Any]:
        families = ["auto", "empirical", "normal", "beta", "gamma", "uniform"]
        return {"marginals": trial.suggest_categorical("marginals", families)}

    def _fit(self, data: pd.DataFrame, progress: Progress, stop: Stop) -> None:
        rng = np.random.default_rng(self.params.seed)
        if len(data) > self.params.max_fit_rows:
            data = data.sample(self.params.max_fit_rows, random_state=self.params.seed).reset_index(
                drop=True
            )
        self.codecs_: list[ColumnCodec] = []
        scores = []
        names = self.metadata_.names
        for done, name in enumerate(names, start=1):
            if (reason := stop()) is not None:
                raise StopTraining(reason)
            codec = ColumnCodec(self.metadata_.column(name), self.dtypes_[name])
            codec.fit(data[name], rng, self.params.marginals)
            self.codecs_.append(codec)
            if codec.dimensions:
                uniforms = np.clip(codec.forward(data[name], rng), CLIP, 1 - CLIP)
                scores.append(stats.norm.ppf(uniforms))
            progress("fit marginals", done, len(names), "columns")
        matrix = np.hstack(scores) if scores else np.empty((len(data), 0))
        if matrix.shape[1] > 1:
            self.correlation_ = _positive_definite(np.corrcoef(matrix, rowvar=False))
        else:
            self.correlation_ = np.eye(matrix.shape[1])
        progress("correlations", 1, 1, "steps")

    def _sample(self, rows: int, rng: np.random.Generator) -> pd.DataFrame:
        dimensions = self.correlation_.shape[0]
        normal = rng.multivariate_normal(
            np.zeros(dimensions), self.correlation_, size=rows, method="cholesky"
        )
        return self._from_normal(normal, rows, rng)

    def _propose(
        self, rows: int, conditions: dict[str, Any], rng: np.random.Generator
    ) -> pd.DataFrame:
        """The first condition is met natively: its dimension is drawn from the normal truncated
        to the condition's interval, the others from the Gaussian conditional on it."""
        for name, wanted in conditions.items():
            found = self._normal_interval(name, wanted)
            if found is not None:
                return self._sample_given(rows, *found, rng)
        return self._sample(rows, rng)

    def _normal_interval(self, name: str, wanted: Any) -> tuple[int, float, float] | None:
        offset = 0
        for codec in self.codecs_:
            if codec.column.name != name:
                offset += codec.dimensions
                continue
            if codec.intervals is not None:
                if _plain(wanted) not in codec.intervals.categories:
                    return None
                position = codec.intervals.categories.index(_plain(wanted))
                low, high = codec.intervals.lower[position], codec.intervals.upper[position]
            elif codec.marginal is not None:
                low, high = self._uniform_range(codec, wanted)
            else:
                return None
            if high <= low:
                return None
            return offset, float(low), float(high)
        return None

    def _uniform_range(self, codec: ColumnCodec, wanted: Any) -> tuple[float, float]:
        assert codec.marginal is not None
        low, high = wanted if isinstance(wanted, tuple | list) else (wanted, wanted)
        decimals = codec.column.decimals
        half_step = 0.5 * 10.0 ** (-decimals) if decimals is not None else 0.0
        grid = np.linspace(CLIP, 1 - CLIP, 20_001)
        values = codec.marginal.inverse(grid)
        first = np.searchsorted(values, low - half_step, side="left")
        last = np.searchsorted(values, high + half_step, side="right") - 1
        if first > last:
            return 1.0, 0.0
        return float(grid[first]), float(grid[last])

    def _sample_given(
        self, rows: int, dimension: int, low: float, high: float, rng: np.random.Generator
    ) -> pd.DataFrame:
        correlation = self.correlation_
        fixed = stats.norm.ppf(np.clip(low + rng.random(rows) * (high - low), CLIP, 1 - CLIP))
        others = np.delete(np.arange(correlation.shape[0]), dimension)
        link = correlation[others, dimension]
        covariance = correlation[np.ix_(others, others)] - np.outer(link, link)
        covariance += np.eye(len(others)) * 1e-9
        rest = rng.multivariate_normal(
            np.zeros(len(others)), covariance, size=rows, method="eigh"
        ) + np.outer(fixed, link)
        normal = np.empty((rows, correlation.shape[0]))
        normal[:, dimension] = fixed
        normal[:, others] = rest
        return self._from_normal(normal, rows, rng)

    def _from_normal(self, normal: np.ndarray, rows: int, rng: np.random.Generator) -> pd.DataFrame:
        uniforms = np.clip(stats.norm.cdf(normal), CLIP, 1 - CLIP)
        columns, offset = {}, 0
        for codec in self.codecs_:
            width = codec.dimensions
            restored = codec.inverse(uniforms[:, offset : offset + width], rows, rng)
            columns[codec.column.name] = restored.reset_index(drop=True)
            offset += width
        return pd.DataFrame(columns)

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays = {"correlation": self.correlation_}
        for index, codec in enumerate(self.codecs_):
            arrays.update(codec.arrays(f"column{index}"))
        return {"codecs": [codec.state() for codec in self.codecs_]}, arrays

    def _restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.codecs_ = []
        for index, (name, codec_state) in enumerate(
            zip(self.metadata_.names, state["codecs"], strict=True)
        ):
            codec = ColumnCodec(self.metadata_.column(name), self.dtypes_[name])
            codec.restore(codec_state, arrays, f"column{index}")
            self.codecs_.append(codec)
        self.correlation_ = arrays["correlation"]
