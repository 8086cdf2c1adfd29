"""Uploaded files to Arrow tables: the format from the content, and every malformed file refused
with an error that names the row or column (RELIABILITY.md lists the cases).

pyarrow parses; when it refuses a text file, a plain Python pass over the file finds the first
offending row, so the fast path stays fast and the error stays precise.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from synthfoundry.errors import InvalidInput, UnsupportedMediaType

SNIFF_BYTES = 64 * 1024
CSV_BLOCK_BYTES = 32 * 1024 * 1024  # one field may be this large
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
DELIMITERS = (",", "\t", ";", "|")
MAX_TYPE_RETRIES = 50


class FileFormat(StrEnum):
    CSV = "csv"
    TSV = "tsv"
    PARQUET = "parquet"
    JSON = "json"
    JSONL = "jsonl"


EXTENSIONS = {
    ".csv": FileFormat.CSV,
    ".tsv": FileFormat.TSV,
    ".txt": FileFormat.CSV,
    ".parquet": FileFormat.PARQUET,
    ".pq": FileFormat.PARQUET,
    ".json": FileFormat.JSON,
    ".jsonl": FileFormat.JSONL,
    ".ndjson": FileFormat.JSONL,
}
FAMILIES = {
    FileFormat.CSV: "text",
    FileFormat.TSV: "text",
    FileFormat.PARQUET: "parquet",
    FileFormat.JSON: "json",
    FileFormat.JSONL: "json",
}


@dataclass(frozen=True)
class Limits:
    max_columns: int = 1000
    max_rows: int = 50_000_000


@dataclass(frozen=True)
class Ingested:
    table: pa.Table
    file_format: FileFormat
    compressed: bool


@dataclass(frozen=True)
class Sniffed:
    file_format: FileFormat
    compressed: bool
    delimiter: str | None = None


def sniff(path: Path, filename: str | None, limits: Limits) -> Sniffed:
    """What the file is, from its first bytes; refuses at once what its head already shows to be
    wrong (empty, binary, a misleading name, a bad or too wide header)."""
    with open(path, "rb") as raw:
        magic = raw.read(2)
    compressed = magic == GZIP_MAGIC
    with _opened(path, compressed) as stream:
        head = stream.read(SNIFF_BYTES)
    if not head:
        raise InvalidInput("the file is empty", field="file")
    detected = _detect(head)
    _check_extension(filename, detected, compressed)
    if detected == FileFormat.PARQUET and compressed:
        raise UnsupportedMediaType(
            "gzip-compressed Parquet is not supported: Parquet compresses itself"
        )
    if detected not in (FileFormat.CSV, FileFormat.TSV):
        return Sniffed(detected, compressed)
    delimiter = _delimiter(head)
    header = _header(head, delimiter)
    if len(header) > limits.max_columns:
        raise InvalidInput(
            f"the file has {len(header)} columns; at most {limits.max_columns} are allowed",
            field="file",
        )
    _check_names(header)
    kind = FileFormat.TSV if delimiter == "\t" else FileFormat.CSV
    return Sniffed(kind, compressed, delimiter)


def ingest(path: Path, filename: str | None, limits: Limits) -> Ingested:
    """Parse the file at ``path`` (named ``filename`` by its uploader) into a table."""
    return parse(path, sniff(path, filename, limits), limits)


def parse(path: Path, sniffed: Sniffed, limits: Limits) -> Ingested:
    if sniffed.file_format == FileFormat.PARQUET:
        table = _read_parquet(path, limits)
    elif sniffed.file_format in (FileFormat.JSON, FileFormat.JSONL):
        table = _read_json(path, sniffed.compressed, sniffed.file_format)
    else:
        assert sniffed.delimiter is not None
        table = _read_text(path, sniffed.compressed, sniffed.delimiter)
    return Ingested(_checked(table, limits), sniffed.file_format, sniffed.compressed)


@contextmanager
def _opened(path: Path, compressed: bool) -> Iterator[IO[bytes]]:
    with open(path, "rb") as raw:
        if compressed:
            with gzip.GzipFile(fileobj=raw) as unzipped:
                yield unzipped  # type: ignore[misc]
        else:
            yield raw


def _detect(head: bytes) -> FileFormat:
    if head.startswith(PARQUET_MAGIC):
        return FileFormat.PARQUET
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnsupportedMediaType("the file is UTF-16 text; save it as UTF-8")
    if b"\x00" in head:
        raise UnsupportedMediaType("the file holds binary data, not CSV, TSV, JSON or Parquet")
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace").lstrip()
    if text.startswith("["):
        return FileFormat.JSON
    if text.startswith("{"):
        return FileFormat.JSONL
    return FileFormat.CSV


def _check_extension(filename: str | None, detected: FileFormat, compressed: bool) -> None:
    name = (filename or "").lower()
    if name.endswith(".gz"):
        if not compressed:
            raise UnsupportedMediaType(f"{filename!r} is named .gz but is not gzip-compressed")
        name = name.removesuffix(".gz")
    suffix = Path(name).suffix
    claimed = EXTENSIONS.get(suffix)
    if claimed is None:
        return  # no or an unknown extension: the content decides
    if compressed and not (filename or "").lower().endswith(".gz"):
        raise UnsupportedMediaType(
            f"{filename!r} is gzip-compressed but named {suffix}; name it {suffix}.gz"
        )
    if FAMILIES[claimed] != FAMILIES[detected]:
        raise UnsupportedMediaType(
            f"{filename!r} is named {suffix} but holds {FAMILIES[detected]} content"
        )


def _delimiter(head: bytes) -> str:
    first = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
    counts = {delimiter: first.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _header(head: bytes, delimiter: str) -> list[str]:
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    return next(csv.reader(io.StringIO(text), delimiter=delimiter), [])


def _check_names(names: list[str]) -> None:
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name.strip():
            raise InvalidInput(f"column {position} has an empty name", field=f"column {position}")
        if name in seen:
            raise InvalidInput(f"column name {name!r} occurs twice", field=name)
        seen.add(name)


def _read_text(path: Path, compressed: bool, delimiter: str) -> pa.Table:
    """A CSV or TSV file as a table. An empty unquoted cell is a missing value in every column,
    as in pandas: CSV cannot tell a missing value from an empty string, so only a quoted
    ``""`` stays an empty string (our own CSV downloads write them so). In number, boolean
    and date columns the usual markers (``NA``, ``NULL``, ``nan``, ...) are missing too; in a
    text column they are kept as the text they are."""
    table = _read_typed_text(path, compressed, delimiter)
    return _empty_text_as_missing(table, path, compressed, delimiter)


def _read_typed_text(path: Path, compressed: bool, delimiter: str) -> pa.Table:
    text_columns: dict[str, pa.DataType] = {}
    if _odd_quotes(path, compressed):
        # pyarrow reads an unclosed quote to the end of the file as one value; say so instead.
        raise _explain_text_error(path, compressed, delimiter, "a quoted field is never closed")
    for _attempt in range(MAX_TYPE_RETRIES):
        try:
            with _opened(path, compressed) as stream:
                return pa_csv.read_csv(
                    stream,
                    read_options=pa_csv.ReadOptions(block_size=CSV_BLOCK_BYTES),
                    parse_options=pa_csv.ParseOptions(delimiter=delimiter),
                    convert_options=pa_csv.ConvertOptions(column_types=text_columns),
                )
        except pa.ArrowInvalid as error:
            message = str(error)
            if "conversion error" in message and "column #" in message:
                # A column whose type changes after the first block: keep it as text.
                index = int(message.split("column #", 1)[1].split(":", 1)[0].split()[0])
                names = _header_of(path, compressed, delimiter)
                text_columns[names[index]] = pa.string()
                continue
            raise _explain_text_error(path, compressed, delimiter, message) from None
    raise InvalidInput("too many columns change type part-way through the file", field="file")


def _empty_text_as_missing(
    table: pa.Table, path: Path, compressed: bool, delimiter: str
) -> pa.Table:
    """pyarrow reads an empty cell of a text column as ``""``: read the text columns that hold
    one again, this time with only an empty unquoted cell as missing (a second pass over the
    file, made only when such a column exists)."""
    empty = pa.scalar("", pa.string())
    with_empty = [
        name
        for name, column in zip(table.column_names, table.columns, strict=True)
        if pa.types.is_string(column.type) and pc.any(pc.equal(column, empty)).as_py()
    ]
    if not with_empty:
        return table
    with _opened(path, compressed) as stream:
        again = pa_csv.read_csv(
            stream,
            read_options=pa_csv.ReadOptions(block_size=CSV_BLOCK_BYTES),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter),
            convert_options=pa_csv.ConvertOptions(
                include_columns=with_empty,
                column_types={name: pa.string() for name in with_empty},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
    for name in with_empty:
        table = table.set_column(table.schema.get_field_index(name), name, again.column(name))
    return table


def _odd_quotes(path: Path, compressed: bool) -> bool:
    """Quotes inside quoted fields are doubled, so a well-formed file has an even count."""
    count = 0
    with _opened(path, compressed) as stream:
        while chunk := stream.read(CSV_BLOCK_BYTES):
            count += chunk.count(b'"')
    return count % 2 == 1


def _header_of(path: Path, compressed: bool, delimiter: str) -> list[str]:
    with _opened(path, compressed) as stream:
        return _header(stream.read(SNIFF_BYTES), delimiter)


def _explain_text_error(path: Path, compressed: bool, delimiter: str, message: str) -> InvalidInput:
    """The first row that breaks the file, found by a plain pass over it."""
    with _opened(path, compressed) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        try:
            header = next(reader, [])
            for row in reader:
                if len(row) != len(header):
                    return InvalidInput(
                        f"row {reader.line_num} has {len(row)} fields; the header has "
                        f"{len(header)}",
                        field=f"row {reader.line_num}",
                    )
        except UnicodeDecodeError:
            return InvalidInput(
                f"the text after row {reader.line_num} is not valid UTF-8 (is it Latin-1?); "
                "save the file as UTF-8",
                field=f"row {reader.line_num + 1}",
            )
        except csv.Error as error:
            return InvalidInput(
                f"row {reader.line_num}: {error} (a quoted field that is never closed?)",
                field=f"row {reader.line_num}",
            )
    return InvalidInput(f"the file cannot be parsed: {message}", field="file")


def _read_parquet(path: Path, limits: Limits) -> pa.Table:
    size = path.stat().st_size
    with open(path, "rb") as raw:
        raw.seek(max(size - 4, 0))
        tail = raw.read(4)
    if size < 12 or tail != PARQUET_MAGIC:
        raise InvalidInput(
            "the Parquet file is truncated or damaged (no closing magic)", field="file"
        )
    try:
        parquet = pq.ParquetFile(path)
        declared = parquet.metadata
        # Trust no size field: the declared shape is checked before anything is decoded.
        if declared.num_columns > limits.max_columns:
            raise InvalidInput(
                f"the file has {declared.num_columns} columns; at most {limits.max_columns} "
                "are allowed",
                field="file",
            )
        if declared.num_rows > limits.max_rows:
            raise InvalidInput(
                f"the file declares {declared.num_rows} rows; at most {limits.max_rows} are "
                "allowed",
                field="file",
            )
        return parquet.read()
    except (pa.ArrowException, OSError) as error:
        raise InvalidInput(f"the Parquet file cannot be read: {error}", field="file") from None


def _read_json(path: Path, compressed: bool, file_format: FileFormat) -> pa.Table:
    with _opened(path, compressed) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig")
        try:
            if file_format == FileFormat.JSON:
                records = json.load(text)
                if not isinstance(records, list):
                    raise InvalidInput("a JSON file must hold an array of objects", field="file")
                rows = records
            else:
                rows = [json.loads(line) for line in text if line.strip()]
        except UnicodeDecodeError:
            raise InvalidInput("the file is not valid UTF-8 text", field="file") from None
        except RecursionError:
            raise InvalidInput("the JSON is nested too deeply", field="file") from None
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}, column {error.colno}"
            raise InvalidInput(f"invalid JSON at {where}: {error.msg}", field=where) from None
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise InvalidInput(f"record {number} is not a JSON object", field=f"record {number}")
    try:
        return pa.Table.from_pylist([_flat(row) for row in rows])
    except (pa.ArrowException, ValueError) as error:
        raise InvalidInput(f"the records do not form a table: {error}", field="file") from None


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """Nested values are kept as their JSON text: a dataset is a flat table."""
    return {
        key: json.dumps(value) if isinstance(value, dict | list) else value
        for key, value in row.items()
    }


def _checked(table: pa.Table, limits: Limits) -> pa.Table:
    if table.num_columns == 0:
        raise InvalidInput("the file has no columns", field="file")
    if table.num_columns > limits.max_columns:
        raise InvalidInput(
            f"the file has {table.num_columns} columns; at most {limits.max_columns} are allowed",
            field="file",
        )
    _check_names([str(name) for name in table.column_names])
    if table.num_rows == 0:
        raise InvalidInput("the file has a header but no rows", field="file")
    if table.num_rows > limits.max_rows:
        raise InvalidInput(
            f"the file has {table.num_rows} rows; at most {limits.max_rows} are allowed",
            field="file",
        )
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
            raise InvalidInput(
                f"column {name!r} holds text that is not valid UTF-8 (is it Latin-1?); save the "
                "file as UTF-8",
                field=name,
            )
    return table
