"""The numbers behind the report's plots: per-column distributions and association matrices."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from synthfoundry.evaluation.fidelity import cramers_v
from synthfoundry.evaluation.report import ColumnPlot, Plots

if TYPE_CHECKING:
    from synthfoundry.evaluation.fidelity import _Column

TOP_CATEGORIES = 20
HISTOGRAM_BINS = 20


def _column_plot(column: _Column) -> ColumnPlot:
    if column.continuous:
        real = column.real_values[np.isfinite(column.real_values)]
        synthetic = column.synthetic_values[np.isfinite(column.synthetic_values)]
        if len(real) == 0:
            return ColumnPlot(column=column.name, kind="numeric", labels=[], real=[], synthetic=[])
        edges = np.histogram_bin_edges(real, bins=HISTOGRAM_BINS)
        real_counts = np.histogram(real, edges)[0] / max(len(real), 1)
        synthetic_counts = np.histogram(np.clip(synthetic, edges[0], edges[-1]), edges)[0] / max(
            len(synthetic), 1
        )
        labels = [f"{edge:.4g}" for edge in edges[:-1]]
        return ColumnPlot(
            column=column.name,
            kind="numeric",
            labels=labels,
            real=np.round(real_counts, 6).tolist(),
            synthetic=np.round(synthetic_counts, 6).tolist(),
        )
    real_share = np.bincount(column.real_codes, minlength=column.size) / len(column.real_codes)
    synthetic_share = np.bincount(column.synthetic_codes, minlength=column.size) / len(
        column.synthetic_codes
    )
    order = np.argsort(-real_share)[:TOP_CATEGORIES]
    return ColumnPlot(
        column=column.name,
        kind="categorical",
        labels=[column.labels[i] for i in order],
        real=np.round(real_share[order], 6).tolist(),
        synthetic=np.round(synthetic_share[order], 6).tolist(),
    )


def _association(a: _Column, b: _Column, synthetic: bool) -> float:
    """Pearson's r between two continuous columns, Cramer's V (binned) for any other pair."""
    if a.continuous and b.continuous:
        x = a.synthetic_values if synthetic else a.real_values
        y = b.synthetic_values if synthetic else b.real_values
        both = ~(np.isnan(x) | np.isnan(y))
        if both.sum() > 2 and np.std(x[both]) > 0 and np.std(y[both]) > 0:
            return float(np.corrcoef(x[both], y[both])[0, 1])
        return 0.0
    a_codes = a.synthetic_codes if synthetic else a.real_codes
    b_codes = b.synthetic_codes if synthetic else b.real_codes
    return cramers_v(a_codes, b_codes, a.size, b.size)


def plots(prepared: dict[str, _Column]) -> Plots:
    names = list(prepared)
    matrices = []
    for synthetic in (False, True):
        matrix = np.eye(len(names))
        for i, a in enumerate(names):
            for j in range(i + 1, len(names)):
                value = _association(prepared[a], prepared[names[j]], synthetic)
                matrix[i, j] = matrix[j, i] = value
        matrices.append(np.round(matrix, 4).tolist())
    return Plots(
        columns=[_column_plot(column) for column in prepared.values()],
        association_columns=names,
        association_real=matrices[0],
        association_synthetic=matrices[1],
    )
