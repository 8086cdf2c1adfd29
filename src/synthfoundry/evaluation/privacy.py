"""Privacy: are synthetic rows suspiciously close to the rows they were learned from?

Rows are encoded so that every column adds at most 1 to a squared distance: numbers scaled to
[0, 1] over the training range (missing: 0 plus a 0/1 missing flag), categories one-hot with
each position scaled by 1/sqrt(2), so a different category adds exactly 1. Nearest neighbours
are found exactly, by blocked matrix products, for a random sample of rows (``SAMPLE_ROWS``).
Unseen real rows (the holdout) give the baseline every figure is read against.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from synthfoundry.evaluation.frames import is_continuous, label_view, numeric_view
from synthfoundry.evaluation.report import DistanceSummary, PrivacyReport
from synthfoundry.tabular.metadata import Metadata

SAMPLE_ROWS = 2000
MAX_CATEGORIES = 50
BLOCK_ROWS = 512
ENCODING = (
    "numbers scaled to [0,1] over the training range with a missing flag; categories one-hot "
    "scaled by 1/sqrt(2) (top 50 per column, the rest as one 'other'); Euclidean distance"
)


class Encoder:
    def __init__(self, train: pd.DataFrame, metadata: Metadata, columns: list[str]) -> None:
        self.metadata, self.columns = metadata, columns
        self.ranges: dict[str, tuple[float, float]] = {}
        self.categories: dict[str, list[str]] = {}
        for name in columns:
            column = metadata.column(name)
            if is_continuous(column.kind):
                values = numeric_view(train[name], column.kind, column.datetime_format)
                finite = values[np.isfinite(values)]
                low, high = (
                    (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
                )
                self.ranges[name] = (low, high if high > low else low + 1.0)
            else:
                labels = pd.Series(label_view(train[name], column.kind)).value_counts()
                self.categories[name] = [str(label) for label in labels.index[:MAX_CATEGORIES]]

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        parts = []
        for name in self.columns:
            column = self.metadata.column(name)
            if name in self.ranges:
                low, high = self.ranges[name]
                values = numeric_view(frame[name], column.kind, column.datetime_format)
                missing = np.isnan(values)
                parts.append(np.clip(np.nan_to_num((values - low) / (high - low)), 0, 1)[:, None])
                parts.append(missing.astype(float)[:, None])
            else:
                labels = label_view(frame[name], column.kind)
                known = self.categories[name]
                index = {label: position for position, label in enumerate(known)}
                positions = np.array([index.get(str(label), len(known)) for label in labels])
                one_hot = np.zeros((len(frame), len(known) + 1))
                one_hot[np.arange(len(frame)), positions] = 1 / np.sqrt(2)
                parts.append(one_hot)
        return np.hstack(parts).astype(np.float32)


def nearest(queries: np.ndarray, reference: np.ndarray, k: int = 2) -> np.ndarray:
    """Distances from each query to its ``k`` nearest reference rows, ascending."""
    reference_norms = (reference**2).sum(axis=1)
    found = []
    for start in range(0, len(queries), BLOCK_ROWS):
        block = queries[start : start + BLOCK_ROWS]
        squared = (
            (block**2).sum(axis=1)[:, None] + reference_norms[None, :] - 2 * block @ reference.T
        )
        np.maximum(squared, 0, out=squared)
        kth = min(k, reference.shape[0]) - 1
        nearest_k = np.partition(squared, kth, axis=1)[:, : kth + 1]
        found.append(np.sort(nearest_k, axis=1))
    distances: np.ndarray = np.sqrt(np.vstack(found))
    return distances


def _summary(distances: np.ndarray) -> DistanceSummary:
    return DistanceSummary(
        p05=round(float(np.percentile(distances, 5)), 6),
        median=round(float(np.median(distances)), 6),
        mean=round(float(distances.mean()), 6),
    )


def _row_keys(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    normalised = frame[columns].astype("string").fillna("<missing>")
    return pd.util.hash_pandas_object(normalised, index=False)


def _sample(rows: int, size: int, rng: np.random.Generator) -> np.ndarray:
    return rng.permutation(rows)[: min(size, rows)]


def privacy(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    metadata: Metadata,
    columns: list[str],
    seed: int = 0,
) -> PrivacyReport:
    rng = np.random.default_rng(seed)
    encoder = Encoder(train, metadata, columns)
    train_matrix = encoder.encode(train)
    synthetic_sample = synthetic.iloc[_sample(len(synthetic), SAMPLE_ROWS, rng)]
    holdout_sample = holdout.iloc[_sample(len(holdout), SAMPLE_ROWS, rng)]
    synthetic_matrix, holdout_matrix = (
        encoder.encode(synthetic_sample),
        encoder.encode(holdout_sample),
    )

    synthetic_to_train = nearest(synthetic_matrix, train_matrix)
    holdout_to_train = nearest(holdout_matrix, train_matrix)
    # Nearest in the training rows or in the holdout? Against a train sample as large as the
    # holdout, so that neither side wins by having more rows: about 0.5 without memorisation.
    train_equal = train_matrix[_sample(len(train_matrix), len(holdout), rng)]
    to_train = nearest(synthetic_matrix, train_equal, k=1)[:, 0]
    to_holdout = nearest(synthetic_matrix, encoder.encode(holdout), k=1)[:, 0]
    closer = float(np.mean(to_train < to_holdout) + 0.5 * np.mean(to_train == to_holdout))

    train_keys = set(_row_keys(train, columns))
    exact = float(_row_keys(synthetic, columns).isin(train_keys).mean())
    holdout_exact = float(_row_keys(holdout, columns).isin(train_keys).mean())

    def nndr(distances: np.ndarray) -> float:
        return float(np.median(distances[:, 0] / np.maximum(distances[:, 1], 1e-12)))

    members = train_matrix[_sample(len(train_matrix), len(holdout_matrix), rng)]
    full_synthetic = encoder.encode(synthetic)
    member_distance = nearest(members, full_synthetic, k=1)[:, 0]
    outsider_distance = nearest(holdout_matrix, full_synthetic, k=1)[:, 0]
    labels = np.concatenate([np.ones(len(member_distance)), np.zeros(len(outsider_distance))])
    mia = float(roc_auc_score(labels, -np.concatenate([member_distance, outsider_distance])))

    top = (
        float(np.percentile(np.concatenate([synthetic_to_train[:, 0], holdout_to_train[:, 0]]), 99))
        or 1.0
    )
    edges = np.linspace(0, top, 21)
    return PrivacyReport(
        encoding=ENCODING,
        sample_rows=len(synthetic_matrix),
        dcr_synthetic_to_train=_summary(synthetic_to_train[:, 0]),
        dcr_holdout_to_train=_summary(holdout_to_train[:, 0]),
        closer_to_train_share=round(closer, 6),
        exact_copy_rate=round(exact, 6),
        holdout_exact_copy_rate=round(holdout_exact, 6),
        nndr_synthetic_median=round(nndr(synthetic_to_train), 6),
        nndr_holdout_median=round(nndr(holdout_to_train), 6),
        membership_inference_auc=round(mia, 6),
        histogram_edges=[round(float(edge), 6) for edge in edges],
        histogram_synthetic=np.histogram(np.clip(synthetic_to_train[:, 0], 0, top), edges)[
            0
        ].tolist(),
        histogram_holdout=np.histogram(np.clip(holdout_to_train[:, 0], 0, top), edges)[0].tolist(),
    )
