"""Condition vectors over the categorical columns (CTGAN's training-by-sampling).

In training, a column is picked uniformly and a category by its log-frequency, so that rare
categories are seen often enough to be learned; a real row with that category is drawn for the
critic. In generation, categories are picked by their true frequency, or fixed by the caller.
"""

from __future__ import annotations

import numpy as np

from synthfoundry.tabular.encoding import DiscreteSpan


class ConditionSampler:
    def __init__(self, matrix: np.ndarray, spans: list[DiscreteSpan]) -> None:
        self.spans = spans
        self.width = sum(span.width for span in spans)
        self.offsets = np.cumsum([0] + [span.width for span in spans])[:-1]
        self.log_shares = [_shares(np.log1p(span.counts)) for span in spans]
        self.shares = [_shares(span.counts) for span in spans]
        # Rows of each (column, category), flattened: positions[starts[k]:starts[k] + counts[k]].
        groups: list[np.ndarray] = []
        for span in spans:
            chosen = matrix[:, span.start : span.start + span.width].argmax(axis=1)
            order = np.argsort(chosen, kind="stable")
            counts = np.bincount(chosen, minlength=span.width)
            groups.extend(np.split(order, np.cumsum(counts)[:-1]))
        self.group_sizes = np.array([len(group) for group in groups])
        self.group_starts = np.cumsum(np.concatenate([[0], self.group_sizes]))[:-1]
        self.positions = np.concatenate(groups) if groups else np.zeros(0, dtype=int)

    @property
    def active(self) -> bool:
        return bool(self.spans)

    def for_training(
        self, rows: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Condition vectors, the chosen span of each, and a matching real row for each."""
        columns = rng.integers(0, len(self.spans), rows)
        categories = np.empty(rows, dtype=int)
        for index in np.unique(columns):
            picked = columns == index
            shares = self.log_shares[index]
            categories[picked] = rng.choice(len(shares), int(picked.sum()), p=shares)
        flat = self.offsets[columns] + categories
        vectors = np.zeros((rows, self.width), dtype=np.float32)
        vectors[np.arange(rows), flat] = 1.0
        sizes = self.group_sizes[flat]
        picks = (rng.random(rows) * sizes).astype(int)
        real_rows = self.positions[self.group_starts[flat] + np.minimum(picks, sizes - 1)]
        return vectors, columns, real_rows

    def for_generation(
        self, rows: int, rng: np.random.Generator, fixed: tuple[int, int] | None = None
    ) -> np.ndarray:
        """Condition vectors by true frequency, or all fixed to (span index, category)."""
        vectors = np.zeros((rows, self.width), dtype=np.float32)
        if not self.active:
            return vectors
        if fixed is not None:
            vectors[:, self.offsets[fixed[0]] + fixed[1]] = 1.0
            return vectors
        columns = rng.integers(0, len(self.spans), rows)
        for index in np.unique(columns):
            picked = np.flatnonzero(columns == index)
            shares = self.shares[index]
            categories = rng.choice(len(shares), len(picked), p=shares)
            vectors[picked, self.offsets[index] + categories] = 1.0
        return vectors

    def span_index(self, column: str) -> int | None:
        for index, span in enumerate(self.spans):
            if span.column == column:
                return index
        return None


def _shares(weights: np.ndarray) -> np.ndarray:
    total = weights.sum()
    return weights / total if total > 0 else np.full(len(weights), 1 / max(len(weights), 1))
