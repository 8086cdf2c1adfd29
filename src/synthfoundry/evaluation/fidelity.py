"""Fidelity: how alike the real and synthetic tables are, column by column and pair by pair.

Column shape: 1 - Kolmogorov-Smirnov statistic for numbers and datetimes (missing values left
out, their rate compared separately), 1 - total variation distance for categories (missing is
a category). Pair trend: 1 - |correlation difference| / 2 (Pearson) for two continuous columns,
1 - total variation distance of the joint distribution for every other pair, continuous
columns cut into 10 equal-width bins over the real range. Every pair is scored, but the average
counts only pairs whose real data shows a relationship (|Pearson r| > 0.5, or Cramer's V > 0.3):
a pair of unrelated columns says nothing about whether relationships were kept. Overall: the mean
of the two averages. These are SDMetrics' definitions (0.32), so that scores compare with
published figures.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from synthfoundry.evaluation.frames import (
    Binning,
    bins,
    codes,
    is_continuous,
    label_view,
    numeric_view,
)
from synthfoundry.evaluation.report import ColumnShape, FidelityReport, PairTrend, SkippedColumn
from synthfoundry.progress import Progress, silent
from synthfoundry.tabular.metadata import ColumnKind, Metadata


def _ks_complement(real: np.ndarray, synthetic: np.ndarray) -> float:
    real, synthetic = real[~np.isnan(real)], synthetic[~np.isnan(synthetic)]
    if len(real) == 0 or len(synthetic) == 0:
        return float(len(real) == len(synthetic))
    return float(1 - stats.ks_2samp(real, synthetic).statistic)


def _frequencies(coded: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(coded, minlength=size) / max(len(coded), 1)


def _tv_complement(real: np.ndarray, synthetic: np.ndarray, size: int) -> float:
    return float(1 - 0.5 * np.abs(_frequencies(real, size) - _frequencies(synthetic, size)).sum())


class _Column:
    """One column of both tables, prepared once for every metric that needs it."""

    def __init__(
        self,
        name: str,
        kind: ColumnKind,
        real: pd.Series,
        synthetic: pd.Series,
        datetime_format: str | None,
        binning: Binning = "shared",
    ) -> None:
        self.name, self.kind = name, kind
        self.continuous = is_continuous(kind)
        if self.continuous:
            self.real_values = numeric_view(real, kind, datetime_format)
            self.synthetic_values = numeric_view(synthetic, kind, datetime_format)
            self.real_codes, self.synthetic_codes, self.size = bins(
                self.real_values, self.synthetic_values, binning=binning
            )
            self.real_missing = float(np.isnan(self.real_values).mean())
            self.synthetic_missing = float(np.isnan(self.synthetic_values).mean())
        else:
            coded = codes(label_view(real, kind), label_view(synthetic, kind))
            self.labels = coded.labels
            self.real_codes, self.synthetic_codes, self.size = (
                coded.real,
                coded.synthetic,
                len(coded.labels),
            )
            missing = coded.labels.index("<missing>") if "<missing>" in coded.labels else -1
            self.real_missing = float((coded.real == missing).mean())
            self.synthetic_missing = float((coded.synthetic == missing).mean())

    def shape(self) -> ColumnShape:
        if self.continuous:
            score = _ks_complement(self.real_values, self.synthetic_values)
            metric = "ks_complement"
            real, synthetic = self.real_values, self.synthetic_values
            real, synthetic = real[~np.isnan(real)], synthetic[~np.isnan(synthetic)]
            coverage = 1.0
            if len(real) and real.max() > real.min() and len(synthetic):
                low, high = max(real.min(), synthetic.min()), min(real.max(), synthetic.max())
                coverage = float(max(0.0, high - low) / (real.max() - real.min()))
        else:
            score = _tv_complement(self.real_codes, self.synthetic_codes, self.size)
            metric = "tv_complement"
            seen_real = set(np.unique(self.real_codes))
            coverage = len(seen_real & set(np.unique(self.synthetic_codes))) / max(
                len(seen_real), 1
            )
        return ColumnShape(
            column=self.name,
            kind=self.kind.value,
            metric=metric,
            score=round(score, 6),
            missing_similarity=round(1 - abs(self.real_missing - self.synthetic_missing), 6),
            coverage=round(coverage, 6),
        )


CORRELATION_THRESHOLD = 0.5
ASSOCIATION_THRESHOLD = 0.3


def cramers_v(a: np.ndarray, b: np.ndarray, a_size: int, b_size: int) -> float:
    table = (
        np.bincount(a * b_size + b, minlength=a_size * b_size).reshape(a_size, b_size).astype(float)
    )
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return 0.0
    expected = table.sum(axis=1, keepdims=True) @ table.sum(axis=0, keepdims=True) / table.sum()
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / table.sum() / (min(table.shape) - 1)))


def _correlation(x: np.ndarray, y: np.ndarray) -> float | None:
    both = ~(np.isnan(x) | np.isnan(y))
    if both.sum() < 2 or np.std(x[both]) == 0 or np.std(y[both]) == 0:
        return None
    return float(np.corrcoef(x[both], y[both])[0, 1])


def _pair(a: _Column, b: _Column) -> PairTrend:
    if a.continuous and b.continuous:
        real = _correlation(a.real_values, b.real_values)
        synthetic = _correlation(a.synthetic_values, b.synthetic_values)
        if real is not None and synthetic is not None:
            return PairTrend(
                columns=(a.name, b.name),
                metric="correlation_similarity",
                score=round(1 - abs(real - synthetic) / 2, 6),
                real=real,
                synthetic=synthetic,
                real_association=round(abs(real), 6),
                counted=abs(real) > CORRELATION_THRESHOLD,
            )
    size = a.size * b.size
    real_joint = a.real_codes * b.size + b.real_codes
    synthetic_joint = a.synthetic_codes * b.size + b.synthetic_codes
    association = cramers_v(a.real_codes, b.real_codes, a.size, b.size)
    return PairTrend(
        columns=(a.name, b.name),
        metric="contingency_similarity",
        score=round(_tv_complement(real_joint, synthetic_joint, size), 6),
        real_association=round(association, 6),
        counted=association > ASSOCIATION_THRESHOLD,
    )


def fidelity(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    metadata: Metadata,
    columns: list[str],
    skipped: list[tuple[str, str]],
    progress: Progress = silent,
    binning: Binning = "shared",
) -> tuple[FidelityReport, dict[str, _Column]]:
    prepared = {
        name: _Column(
            name,
            metadata.kind(name),
            real[name],
            synthetic[name],
            metadata.column(name).datetime_format,
            binning,
        )
        for name in columns
    }
    shapes = [column.shape() for column in prepared.values()]
    pairs_to_score = list(combinations(prepared.values(), 2))
    pairs = []
    for done, (a, b) in enumerate(pairs_to_score, start=1):
        pairs.append(_pair(a, b))
        if done % 50 == 0 or done == len(pairs_to_score):
            progress("fidelity", done, len(pairs_to_score), "pairs")
    shape_average = float(np.mean([shape.score for shape in shapes]))
    counted = [pair.score for pair in pairs if pair.counted]
    pair_average = float(np.mean(counted)) if counted else None
    overall = shape_average if pair_average is None else (shape_average + pair_average) / 2
    report = FidelityReport(
        score=round(overall, 6),
        column_shapes=round(shape_average, 6),
        column_pair_trends=None if pair_average is None else round(pair_average, 6),
        missing_similarity=round(float(np.mean([shape.missing_similarity for shape in shapes])), 6),
        coverage=round(float(np.mean([shape.coverage for shape in shapes])), 6),
        columns=shapes,
        pairs=pairs,
        skipped=[SkippedColumn(column=name, reason=reason) for name, reason in skipped],
    )
    return report, prepared
