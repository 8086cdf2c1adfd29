"""A fitted decision tree reduced to plain arrays, with the training values of each leaf.

scikit-learn grows the tree; we keep only its structure (children, split feature, threshold,
where missing values go) and the rows' values sorted by leaf. That is all that sampling needs,
it saves as ``.npz`` without pickle, and descending it is a few vectorised numpy steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

LEAF = -1


@dataclass
class DonorTree:
    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    missing_left: np.ndarray
    start: np.ndarray  # per node: where its donors begin in ``donors`` (leaves only)
    count: np.ndarray  # per node: how many donors it holds (leaves only)
    donors: np.ndarray  # training values sorted by leaf

    @classmethod
    def grow(
        cls,
        features: np.ndarray,
        values: np.ndarray,
        *,
        discrete: bool,
        min_leaf: int,
        max_depth: int | None,
        seed: int,
    ) -> DonorTree:
        if features.shape[1] == 0 or len(np.unique(values)) == 1:
            return cls.single_leaf(values)
        model_class = DecisionTreeClassifier if discrete else DecisionTreeRegressor
        model = model_class(min_samples_leaf=min_leaf, max_depth=max_depth, random_state=seed)
        model.fit(features, values)
        tree = model.tree_
        leaves = model.apply(features)
        order = np.lexsort((values, leaves))  # by leaf, and by value within a leaf
        count = np.bincount(leaves, minlength=tree.node_count)
        start = np.concatenate([[0], np.cumsum(count)[:-1]])
        return cls(
            left=tree.children_left.astype(np.int32),
            right=tree.children_right.astype(np.int32),
            feature=tree.feature.astype(np.int32),
            threshold=tree.threshold.astype(np.float64),
            missing_left=tree.missing_go_to_left.astype(bool),
            start=start.astype(np.int64),
            count=count.astype(np.int64),
            donors=values[order],
        )

    @classmethod
    def single_leaf(cls, values: np.ndarray) -> DonorTree:
        return cls(
            left=np.array([LEAF], np.int32),
            right=np.array([LEAF], np.int32),
            feature=np.array([0], np.int32),
            threshold=np.array([0.0]),
            missing_left=np.array([False]),
            start=np.array([0], np.int64),
            count=np.array([len(values)], np.int64),
            donors=np.sort(values),  # one leaf: value order
        )

    def apply(self, features: np.ndarray) -> np.ndarray:
        """The leaf each row falls into."""
        nodes = np.zeros(len(features), dtype=np.int64)
        active = np.flatnonzero(self.left[nodes] != LEAF)
        while len(active):
            current = nodes[active]
            values = features[active, self.feature[current]]
            missing = np.isnan(values)
            go_left = np.where(
                missing, self.missing_left[current], values <= self.threshold[current]
            )
            nodes[active] = np.where(go_left, self.left[current], self.right[current])
            active = active[self.left[nodes[active]] != LEAF]
        return nodes

    def draw(self, leaves: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One donor value from each row's leaf."""
        return np.asarray(self.donors[self.pick(leaves, rng)])

    def pick(self, leaves: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Where in ``donors`` the donor that ``draw`` gives each row is."""
        counts = self.count[leaves]
        picks = np.minimum((rng.random(len(leaves)) * counts).astype(np.int64), counts - 1)
        return np.asarray(self.start[leaves] + picks)

    def draw_between(self, leaves: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A value between two neighbouring donors of each row's leaf (in value order), so
        that numbers follow the leaf's distribution without repeating a training value; a
        value held by many donors (a spike) is kept as it is."""
        counts = self.count[leaves]
        gaps = np.maximum(counts - 1, 1)
        positions = rng.random(len(leaves)) * gaps
        lower = np.minimum(positions.astype(np.int64), counts - 1)
        upper = np.minimum(lower + 1, counts - 1)
        start = self.start[leaves]
        low, high = self.donors[start + lower], self.donors[start + upper]
        return np.asarray(low + (positions - lower) * (high - low))

    def matching_share(self, leaves: np.ndarray, matches: np.ndarray) -> np.ndarray:
        """For each row, the share of its leaf's donors that meet a condition (``matches`` is a
        mask over ``donors``)."""
        cumulative = np.concatenate([[0], np.cumsum(matches)])
        start, count = self.start[leaves], self.count[leaves]
        return np.asarray((cumulative[start + count] - cumulative[start]) / np.maximum(count, 1))

    def draw_matching(
        self, leaves: np.ndarray, matches: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """One donor from each row's leaf among those meeting the condition (each leaf must hold
        at least one)."""
        cumulative = np.concatenate([[0], np.cumsum(matches)])
        start, count = self.start[leaves], self.count[leaves]
        matching = cumulative[start + count] - cumulative[start]
        ranks = np.minimum((rng.random(len(leaves)) * matching).astype(np.int64), matching - 1)
        positions = np.searchsorted(cumulative, cumulative[start] + ranks + 1, side="left") - 1
        return np.asarray(self.donors[positions])

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}.{name}": getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def restore(cls, arrays: dict[str, np.ndarray], prefix: str) -> DonorTree:
        return cls(**{name: arrays[f"{prefix}.{name}"] for name in cls.__dataclass_fields__})
