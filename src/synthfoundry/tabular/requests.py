"""What a generation request for a table may carry, and how conditions are read and checked."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from synthfoundry.errors import InvalidInput
from synthfoundry.suggestions import refuse_unknown
from synthfoundry.tabular.metadata import ColumnKind, Metadata

MAX_SAMPLE_ROWS = 10**9
Condition = Mapping[str, Any]


class TabularSampleRequest(BaseModel):
    """What a generation request may carry for a table model."""

    model_config = ConfigDict(extra="forbid")

    rows: int = Field(ge=1, le=MAX_SAMPLE_ROWS)
    conditions: dict[str, Any] | list[dict[str, Any]] | None = Field(
        default=None,
        description='values or [low, high] ranges ({"sex": "Female", "age": [30, 40]}), or a '
        "list of such groups, each with a count",
    )
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)


def conditions_from_json(
    raw: dict[str, Any] | list[dict[str, Any]] | None,
) -> Condition | list[Condition] | None:
    """JSON has no tuples: a two-number list is a range."""
    if not raw:
        return None
    if isinstance(raw, list):
        return [{k: tuple(v) if isinstance(v, list) else v for k, v in c.items()} for c in raw]
    return {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}


def check_condition_columns(
    columns: Collection[str],
    conditions: Condition | Sequence[Condition] | None,
    *,
    field: str = "conditions",
) -> None:
    """Refuse conditions on columns the model does not make, naming each one (with a close
    column when there is one) by its path: ``conditions.agee`` or ``conditions.1.agee``."""
    if not conditions:
        return
    if isinstance(conditions, Mapping):
        groups: list[tuple[str, Condition]] = [(field, conditions)]
        allowed: set[str] = set()
    else:  # a list of groups, each with its row count
        groups = [(f"{field}.{number}", group) for number, group in enumerate(conditions)]
        allowed = {"count"}
    unknown = [
        (f"{path}.{name}", str(name))
        for path, group in groups
        for name in group
        if name not in columns and name not in allowed
    ]
    refuse_unknown("column", unknown, columns)


def check_conditions(metadata: Metadata, conditions: dict[str, Any]) -> None:
    """Refuse a condition the data can never meet, naming the column."""
    for name, wanted in conditions.items():
        column = metadata.column(name)
        if isinstance(wanted, tuple | list):
            if not column.kind.is_numeric or len(wanted) != 2:
                raise InvalidInput(
                    f"condition on {name!r}: a range needs a numeric column", field=name
                )
            low, high = wanted
            if (column.maximum is not None and low > column.maximum) or (
                column.minimum is not None and high < column.minimum
            ):
                raise InvalidInput(
                    f"condition on {name!r}: {wanted} lies outside the data's range "
                    f"{column.minimum}..{column.maximum}",
                    field=name,
                )
        elif (
            column.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
            and column.categories is not None
            and wanted not in column.categories
        ):
            raise InvalidInput(
                f"condition on {name!r}: {wanted!r} never occurs in the data", field=name
            )


def matching(frame: pd.DataFrame, conditions: dict[str, Any]) -> np.ndarray:
    """Which rows of ``frame`` meet ``conditions``."""
    keep = np.ones(len(frame), dtype=bool)
    for name, wanted in conditions.items():
        values = frame[name]
        if isinstance(wanted, tuple | list):
            numbers = pd.to_numeric(values, errors="coerce")
            keep &= (
                ((numbers >= wanted[0]) & (numbers <= wanted[1])).fillna(False).to_numpy(dtype=bool)
            )
        else:
            keep &= (values == wanted).fillna(False).to_numpy(dtype=bool)
    return keep
