"""How the CLI shows what a server answers: a list as a table whose columns fit the terminal
(the last ones left out where they would not, each cell one short line), an object as a listing
of its fields with nested values spelled out, or JSON."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from synthfoundry.cli.common import stderr, stdout

ID_WIDTH = 36  # a UUID: never cut short, it is what the next command needs
TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?$")
CELL_LIMIT = 60
MIN_COLUMN = 6
NARROWEST = 12  # a text column is cut (with an ellipsis) no shorter than this


@dataclass(frozen=True)
class Column:
    key: str
    header: str | None = None
    format: Callable[[Any], str] | None = None
    max_width: int = CELL_LIMIT

    @property
    def title(self) -> str:
        return self.header or self.key

    def text(self, row: Mapping[str, Any]) -> str:
        value = row.get(self.key)
        return self.format(value) if self.format is not None else cell(value)


Columns = Sequence[Column | str]


def cell(value: Any) -> str:
    """One short line for any JSON value: nested objects as ``name=value`` pairs, never JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str):
        return _timestamp(value) or value
    if isinstance(value, Mapping):
        return ", ".join(f"{key}={_scalar(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        if all(not isinstance(item, Mapping | list) for item in value):
            return ", ".join(cell(item) for item in value)
        return f"{len(value)} items"
    return str(value)


def percent(value: Any) -> str:
    """A job's progress as a percentage."""
    if isinstance(value, Mapping):
        value = value.get("fraction")
    return f"{float(value) * 100:.0f}%" if isinstance(value, int | float) else ""


def _scalar(value: Any) -> str:
    if isinstance(value, Mapping | list | tuple):
        return "…"
    return cell(value)


def _timestamp(value: str) -> str | None:
    matched = TIMESTAMP.match(value)
    return f"{matched.group(1)} {matched.group(2)}" if matched else None


def available_width() -> int | None:
    """The terminal's width; ``None`` (no limit) when the output goes to a file or a pipe,
    unless ``COLUMNS`` says otherwise."""
    if (columns := os.environ.get("COLUMNS", "")).isdigit():
        return int(columns)
    if stdout.is_terminal:
        return shutil.get_terminal_size().columns
    return None


def fit(widths: Sequence[int], available: int | None, fixed: Sequence[bool] = ()) -> list[int]:
    """The widths of the leading columns that fit in ``available`` characters (each column
    also takes three for its padding and border, the table one more): as many columns as fit
    with those not ``fixed`` cut to ``NARROWEST``, the first always; then the widest of them
    narrowed until the table fits."""
    if available is None:
        return list(widths)
    fixed = list(fixed) or [False] * len(widths)

    def needed(columns: Sequence[int]) -> int:
        return sum(max(width, MIN_COLUMN) + 3 for width in columns) + 1

    narrowest = [w if fixed[i] else min(w, NARROWEST) for i, w in enumerate(widths)]
    kept = len(widths)
    while kept > 1 and needed(narrowest[:kept]) > available:
        kept -= 1
    fitted = list(widths[:kept])
    while needed(fitted) > available:
        narrowable = [i for i, width in enumerate(fitted) if not fixed[i] and width > NARROWEST]
        if not narrowable:
            break
        fitted[max(narrowable, key=lambda i: fitted[i])] -= 1
    return fitted


def print_table(rows: Sequence[Mapping[str, Any]], columns: Columns) -> None:
    """Rows as a table in the order of ``columns``; those that do not fit are left out, with
    a note on stderr."""
    chosen = [Column(column) if isinstance(column, str) else column for column in columns]
    texts = [[column.text(row) for column in chosen] for row in rows]
    widths = [
        min(
            max([len(column.title), *(len(line[index]) for line in texts)]),
            ID_WIDTH if column.key.endswith("id") else column.max_width,
        )
        for index, column in enumerate(chosen)
    ]
    available = available_width()
    fitted = fit(widths, available, [column.key.endswith("id") for column in chosen])
    kept = len(fitted)
    table = Table(show_edge=True, pad_edge=True)
    for column, width in zip(chosen, fitted, strict=False):
        is_id = column.key.endswith("id")
        table.add_column(
            column.title,
            no_wrap=True,
            overflow="fold" if is_id else "ellipsis",
            min_width=ID_WIDTH if is_id and width >= ID_WIDTH else None,
            max_width=max(width, MIN_COLUMN),
        )
    for line in texts:
        table.add_row(*(Text(text) for text in line[:kept]))
    console = stdout if available is not None else Console(width=sum(widths) + 3 * kept + 1)
    console.print(table)
    if left_out := [column.title for column in chosen[kept:]]:
        stderr.print(
            f"[dim]left out to fit: {', '.join(left_out)} (widen the terminal, or --output json)",
            highlight=False,
        )


def print_details(item: Mapping[str, Any], fields: Sequence[str] = ()) -> None:
    """One object as ``field  value`` lines: ``fields`` first, then every other field; nested
    objects indented beneath their field."""
    order = [*fields, *(key for key in item if key not in fields)]
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key in order:
        if key in item:
            table.add_row(key, Text(_nested(item[key])))
    stdout.print(table)


def _nested(value: Any, depth: int = 0) -> str:
    indent = "  " * depth
    if isinstance(value, Mapping) and value:
        return "\n".join(
            f"{indent}{key}:\n{_nested(item, depth + 1)}"
            if _is_nested(item)
            else f"{indent}{key}: {cell(item)}"
            for key, item in value.items()
        )
    if isinstance(value, list | tuple) and any(isinstance(item, Mapping) for item in value):
        return "\n".join(f"{indent}- {cell(item)}" for item in value)
    return f"{indent}{cell(value)}"


def _is_nested(value: Any) -> bool:
    if isinstance(value, Mapping):
        return bool(value)
    return isinstance(value, list | tuple) and any(isinstance(item, Mapping) for item in value)


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=str))


def part(name: str) -> Callable[[Any], str]:
    """A formatter showing one field of a nested object (a report's ``fidelity``)."""

    def formatted(value: Any) -> str:
        return cell(value.get(name)) if isinstance(value, Mapping) else ""

    return formatted
