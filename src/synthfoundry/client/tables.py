"""Tables in and out of the client: pandas DataFrames and pyarrow Tables, imported only when a
call takes or returns one (the client itself needs neither)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    Table: TypeAlias = pd.DataFrame | pa.Table
    Rows: TypeAlias = Sequence[dict[str, Any]] | Table


def is_table(value: object) -> bool:
    """A pandas DataFrame, a pyarrow Table, or anything that exports an Arrow stream (polars)."""
    module = type(value).__module__.partition(".")[0]
    return module in ("pandas", "pyarrow") or hasattr(value, "__arrow_c_stream__")


def to_parquet(table: Table) -> bytes:
    """A DataFrame or Arrow table as Parquet bytes: a named index becomes columns, an unnamed
    one (the default row numbers) is left out."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if type(table).__module__.partition(".")[0] == "pandas":
        if any(name is not None for name in table.index.names):
            table = table.reset_index()
        arrow = pa.Table.from_pandas(table, preserve_index=False)
    elif isinstance(table, pa.Table):
        arrow = table
    else:
        arrow = pa.table(table)
    sink = io.BytesIO()
    pq.write_table(arrow, sink)
    return sink.getvalue()


def to_records(rows: Rows) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: dicts as they are, a table's rows with ``None`` for a missing
    value and plain Python numbers."""
    if isinstance(rows, Sequence):  # neither a DataFrame nor an Arrow table is one
        return [dict(row) for row in rows]
    table: Any = rows
    if type(table).__module__.partition(".")[0] == "pandas":
        import json

        records: list[dict[str, Any]] = json.loads(
            table.to_json(orient="records", date_format="iso")
        )
        return records
    import pyarrow as pa

    arrow = table if isinstance(table, pa.Table) else pa.table(table)
    return [dict(row) for row in arrow.to_pylist()]


def from_parquet(data: bytes) -> pd.DataFrame:
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(data)).to_pandas()


def from_rows(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rows as the API answers them (JSON, ``None`` for a missing value), in column order."""
    import pandas as pd

    return pd.DataFrame.from_records(list(rows), columns=list(columns))
