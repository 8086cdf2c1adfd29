"""Sampled columns straight to Arrow: the values and types that ``pa.Table.from_pandas`` gives
for the series ``transforms.restore_values`` makes, without building them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from synthfoundry.tabular.metadata import ColumnKind, ColumnMetadata


def numbers_to_arrow(values: np.ndarray, column: ColumnMetadata) -> pa.Array | None:
    """Integers and floats rounded and clipped as ``restore_values`` does, missing as null;
    ``None`` for other kinds."""
    if not column.kind.is_numeric:
        return None
    numbers = np.asarray(values, dtype=float)
    if column.minimum is not None and column.maximum is not None:
        numbers = np.clip(numbers, column.minimum, column.maximum)
    if column.kind == ColumnKind.FLOAT:
        decimals = column.decimals if column.decimals is not None else 6
        return pa.array(np.round(numbers, decimals), from_pandas=True)  # NaN to null
    rounded = np.round(numbers)
    missing = np.isnan(rounded)
    if not missing.any():
        return pa.array(rounded.astype(np.int64))
    return pa.array(np.where(missing, 0.0, rounded).astype(np.int64), mask=missing)


def labels_to_arrow(codes: np.ndarray, categories: list[Any]) -> pa.Array | None:
    """Each code's category, ``None`` as null; ``None`` when the categories are not of one
    Arrow type (pandas' inference over the rows then decides)."""
    labels = np.empty(len(categories), dtype=object)
    labels[:] = categories
    try:
        dictionary = pa.array(labels, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if pa.types.is_null(dictionary.type):
        return None
    return dictionary.take(pa.array(codes.astype(np.int64)))
