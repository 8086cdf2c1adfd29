"""Donor trees compiled into ordered decision tables, for sampling many rows fast.

Descending a tree costs about ten vectorised numpy passes per level, twenty levels deep. Here
each feature column is cut once into bins by every threshold any tree tests on it, and each tree
becomes one table per feature it uses, in column order: a row's state is looked up from its
previous state and its bin, ``state = table[state * width + bin]``, three passes per feature. The
leaf a row reaches is exactly the tree's (bins preserve every ``value <= threshold`` test, and a
missing value has a bin of its own that follows the node's missing-value side).

The tables are built by restricting the tree one feature at a time and merging restricted trees
that are equal, so their size follows the tree's real structure, not the product of the bins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthfoundry.tabular.trees import LEAF, DonorTree

# A restricted tree: its top node and, for each internal node it keeps, its two children.
Restricted = tuple[int, dict[int, tuple[int, int]]]
StateKey = tuple[int, frozenset[tuple[int, tuple[int, int]]]]


@dataclass
class FeatureBins:
    """Per feature column, the sorted thresholds that some tree tests it against."""

    thresholds: list[np.ndarray]
    nullable: set[int]  # the columns that may be missing

    @classmethod
    def of(cls, trees: Sequence[DonorTree], columns: int, nullable: set[int]) -> FeatureBins:
        found: list[set[float]] = [set() for _ in range(columns)]
        for tree in trees:
            internal = tree.left != LEAF
            for feature, threshold in zip(
                tree.feature[internal].tolist(), tree.threshold[internal].tolist(), strict=True
            ):
                found[feature].add(threshold)
        return cls([np.array(sorted(values), dtype=np.float64) for values in found], nullable)

    def width(self, column: int) -> int:
        """Bins of a column: one per gap between thresholds, and one for missing values."""
        return len(self.thresholds[column]) + 2

    def bins(self, column: int, values: np.ndarray) -> np.ndarray:
        # The number of thresholds below a value: ``value <= thresholds[j]`` iff ``bin <= j``.
        bins = np.searchsorted(self.thresholds[column], values, side="left")
        if column in self.nullable:
            bins[np.isnan(values)] = self.width(column) - 1
        return bins


@dataclass
class DecisionTable:
    """One tree as a table per feature it tests, in column order, and the leaf of each end
    state."""

    columns: list[int]
    widths: list[int]
    tables: list[np.ndarray]
    leaves: np.ndarray

    @classmethod
    def compile(cls, tree: DonorTree, bins: FeatureBins) -> DecisionTable:
        left, right = tree.left.tolist(), tree.right.tolist()
        feature, missing_left = tree.feature.tolist(), tree.missing_left.tolist()
        internal = [node for node in range(len(left)) if left[node] != LEAF]
        # Each node's threshold as its index among the column's thresholds.
        index = {
            node: int(np.searchsorted(bins.thresholds[feature[node]], tree.threshold[node]))
            for node in internal
        }
        columns = _columns_by_depth(left, right, feature)
        first: Restricted = (0, {node: (left[node], right[node]) for node in internal})
        states, keys = [first], [_key(first)]
        widths, tables = [], []
        for column in columns:
            width, nullable = bins.width(column), column in bins.nullable
            following = _Numbered()
            table = np.empty(len(states) * width, dtype=np.int64)
            for number, ((top, kept), key) in enumerate(zip(states, keys, strict=True)):
                row = table[number * width : (number + 1) * width]
                tested = sorted({index[node] for node in kept if feature[node] == column})
                if not tested:
                    row[:] = following.number((top, kept), key)
                    continue
                # Bins between two thresholds this state tests lead to the same state: restrict
                # once per stretch (its first bin stands for it) and once for missing values.
                firsts = [0, *(j + 1 for j in tested)] + ([width - 1] if nullable else [])
                targets = []
                for bin_ in firsts:
                    restricted = _restrict(
                        top, kept, column, bin_, width - 1, left, feature, missing_left, index
                    )
                    targets.append(following.number(restricted, _key(restricted)))
                ends = [j + 1 for j in tested] + [width - 1]
                for start, end, target in zip(firsts, ends, targets, strict=False):
                    row[start:end] = target
                row[-1] = targets[-1] if nullable else targets[0]  # never used when not nullable
            widths.append(width)
            tables.append(table)
            states, keys = following.states, list(following.numbers)
        assert all(not kept for _, kept in states)
        leaves = np.array([top for top, _ in states], dtype=np.int64)
        return cls(columns, widths, [table.astype(np.int32) for table in tables], leaves)

    def apply(self, bins: Sequence[np.ndarray], rows: int) -> np.ndarray:
        """The leaf each row falls into, from the bins of every feature column."""
        if not self.columns:
            return np.zeros(rows, dtype=np.int64)
        state = self.tables[0][bins[self.columns[0]]]
        for column, width, table in zip(
            self.columns[1:], self.widths[1:], self.tables[1:], strict=True
        ):
            state = table[state * width + bins[column]]
        return np.asarray(self.leaves[state])


@dataclass
class CompiledTrees:
    """Every step's tree as a decision table, over bins shared by all of them, and the bin of
    each donor (a drawn donor's bin is then looked up, not searched for)."""

    bins: FeatureBins
    tables: list[DecisionTable]
    donor_bins: list[np.ndarray | None]  # per tree, when its column is tested by some tree

    @classmethod
    def compile(
        cls,
        trees: Sequence[DonorTree],
        columns: int,
        drawn: Sequence[int | None],
        nullable: set[int],
    ) -> CompiledTrees:
        """``drawn``: the column whose values each tree's donors are (``None`` for a tree that
        draws something else, such as whether a value is missing)."""
        bins = FeatureBins.of(trees, columns, nullable)
        tables = [DecisionTable.compile(tree, bins) for tree in trees]
        donor_bins = [
            None
            if column is None or not len(bins.thresholds[column])
            else bins.bins(column, tree.donors).astype(_smallest(bins.width(column)))
            for tree, column in zip(trees, drawn, strict=True)
        ]
        return cls(bins, tables, donor_bins)

    def tested(self, column: int) -> bool:
        """Whether some tree tests this column (so that its bins are needed)."""
        return len(self.bins.thresholds[column]) > 0

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """What a model file keeps, so that a loaded model need not compile again."""
        arrays = {f"compiled.bins{c}": values for c, values in enumerate(self.bins.thresholds)}
        steps = []
        for index, (table, donor_bins) in enumerate(zip(self.tables, self.donor_bins, strict=True)):
            prefix = f"compiled.step{index}"
            arrays |= {f"{prefix}.level{k}": level for k, level in enumerate(table.tables)}
            arrays[f"{prefix}.leaves"] = table.leaves
            if donor_bins is not None:
                arrays[f"{prefix}.donor_bins"] = donor_bins
            steps.append(
                {
                    "columns": table.columns,
                    "widths": table.widths,
                    "donor_bins": donor_bins is not None,
                }
            )
        return {"nullable": sorted(self.bins.nullable), "steps": steps}, arrays

    @classmethod
    def restore(cls, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> CompiledTrees:
        columns = sum(1 for key in arrays if key.startswith("compiled.bins"))
        bins = FeatureBins(
            [arrays[f"compiled.bins{c}"] for c in range(columns)], set(state["nullable"])
        )
        tables, donor_bins = [], []
        for index, step in enumerate(state["steps"]):
            prefix = f"compiled.step{index}"
            levels = [arrays[f"{prefix}.level{k}"] for k in range(len(step["columns"]))]
            tables.append(
                DecisionTable(
                    list(step["columns"]), list(step["widths"]), levels, arrays[f"{prefix}.leaves"]
                )
            )
            donor_bins.append(arrays[f"{prefix}.donor_bins"] if step["donor_bins"] else None)
        return cls(bins, tables, donor_bins)


def _smallest(width: int) -> type[np.unsignedinteger[Any]]:
    """The narrowest unsigned type for bins ``0..width - 1`` (donor bins fill model files)."""
    return np.uint8 if width <= 2**8 else np.uint16 if width <= 2**16 else np.uint32


class _Numbered:
    """Restricted trees numbered in the order they are first met."""

    def __init__(self) -> None:
        self.numbers: dict[StateKey, int] = {}
        self.states: list[Restricted] = []

    def number(self, state: Restricted, key: StateKey) -> int:
        if key not in self.numbers:
            self.numbers[key] = len(self.states)
            self.states.append(state)
        return self.numbers[key]


def _key(state: Restricted) -> StateKey:
    return state[0], frozenset(state[1].items())


def _restrict(
    top: int,
    kept: dict[int, tuple[int, int]],
    column: int,
    bin_: int,
    missing_bin: int,
    left: list[int],
    feature: list[int],
    missing_left: list[bool],
    index: dict[int, int],
) -> Restricted:
    """The tree ``top``/``kept`` once ``column`` is known to fall into ``bin_``."""

    def resolve(node: int) -> int:
        while left[node] != LEAF and feature[node] == column:
            low, high = kept[node]
            goes_left = missing_left[node] if bin_ == missing_bin else bin_ <= index[node]
            node = low if goes_left else high
        return node

    restricted: dict[int, tuple[int, int]] = {}
    new_top = resolve(top)
    stack = [new_top]
    while stack:
        node = stack.pop()
        if left[node] == LEAF:
            continue
        low, high = kept[node]
        low, high = resolve(low), resolve(high)
        restricted[node] = (low, high)
        stack += [low, high]
    return new_top, restricted


def _columns_by_depth(left: list[int], right: list[int], feature: list[int]) -> list[int]:
    """The columns a tree tests, those it tests nearest its root first: restricting the tree by
    them first keeps the number of distinct restricted trees small."""
    depth = [0] * len(left)
    first: dict[int, tuple[int, int]] = {}
    for node in range(len(left)):  # parents come before their children
        if left[node] == LEAF:
            continue
        depth[left[node]] = depth[right[node]] = depth[node] + 1
        shallowest, count = first.get(feature[node], (depth[node], 0))
        first[feature[node]] = (min(shallowest, depth[node]), count - 1)
    return sorted(first, key=lambda column: first[column])
