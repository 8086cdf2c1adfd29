"""Every malformed file of RELIABILITY.md gets a clear error naming the row or column; the
acceptable oddities are accepted."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthfoundry.datasets.parsing import FileFormat, Limits, ingest
from synthfoundry.errors import InvalidInput, UnsupportedMediaType

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def write(tmp_path: Path, content: bytes, name: str = "upload.csv") -> Path:
    path = tmp_path / "upload"
    path.write_bytes(content)
    return path


REFUSED = [
    ("empty", b"", "data.csv", InvalidInput, "empty", "file"),
    ("header only", b"a,b\n", "data.csv", InvalidInput, "header but no rows", "file"),
    ("extra field", b"a,b\n1,2\n3,4,5\n", "data.csv", InvalidInput, "row 3 has 3 fields", "row 3"),
    ("missing field", b"a,b,c\n1,2,3\n4,5\n", "data.csv", InvalidInput, "row 3 has 2", "row 3"),
    ("duplicate names", b"a,b,a\n1,2,3\n", "data.csv", InvalidInput, "'a' occurs twice", "a"),
    ("blank name", b"a,,c\n1,2,3\n", "data.csv", InvalidInput, "column 2 has an empty", "column 2"),
    ("open quote", b'a,b\n1,"2\n3,4\n', "data.csv", InvalidInput, "never closed", None),
    ("latin-1", "a,b\n1,caf\u00e9\n".encode("latin-1"), "d.csv", InvalidInput, "UTF-8", "b"),
    ("utf-16", "a,b\n1,2\n".encode("utf-16"), "data.csv", UnsupportedMediaType, "UTF-16", None),
    ("nul bytes", b"a,b\n1,\x002\n", "data.csv", UnsupportedMediaType, "binary", None),
    ("png as csv", PNG, "data.csv", UnsupportedMediaType, "binary", None),
    (
        "gzip as csv",
        gzip.compress(b"a,b\n1,2\n"),
        "data.csv",
        UnsupportedMediaType,
        ".csv.gz",
        None,
    ),
    ("csv as parquet", b"a,b\n1,2\n", "data.parquet", UnsupportedMediaType, "holds text", None),
    (
        "wide",
        (",".join(f"c{i}" for i in range(1200)) + "\n" + ",".join("1" * 1200) + "\n").encode(),
        "w.csv",
        InvalidInput,
        "1200 columns",
        "file",
    ),
    (
        "deep json",
        b"[" * 100_000 + b"]" * 100_000,
        "d.json",
        InvalidInput,
        "nested too deeply",
        "file",
    ),
    ("bad json", b'[{"a": 1}, {"a": ]', "d.json", InvalidInput, "invalid JSON at line 1", None),
    ("json scalar rows", b"[1, 2]", "d.json", InvalidInput, "record 1 is not a JSON object", None),
    (
        "truncated parquet",
        parquet_bytes(pa.table({"a": [1, 2]}))[:-6],
        "d.parquet",
        InvalidInput,
        "truncated",
        "file",
    ),
    (
        "bad parquet head",
        b"XXXX" + parquet_bytes(pa.table({"a": [1, 2]}))[4:],
        "d.parquet",
        UnsupportedMediaType,
        "binary",
        None,
    ),
]


@pytest.mark.parametrize(
    ("content", "filename", "error", "message", "field"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_malformed_files_are_refused_clearly(
    tmp_path: Path,
    content: bytes,
    filename: str,
    error: type[Exception],
    message: str,
    field: str | None,
) -> None:
    with pytest.raises(error, match=message) as raised:
        ingest(write(tmp_path, content), filename, Limits())
    if field is not None:
        assert raised.value.field == field  # type: ignore[attr-defined]


def test_parquet_declaring_too_many_rows_is_refused_before_decoding(tmp_path: Path) -> None:
    path = write(tmp_path, parquet_bytes(pa.table({"a": list(range(1000))})))

    with pytest.raises(InvalidInput, match="declares 1000 rows"):
        ingest(path, "big.parquet", Limits(max_rows=100))


ACCEPTED = [
    ("semicolons", b"a;b\n1;2\n3;4\n", "d.csv", FileFormat.CSV, {"a": [1, 3], "b": [2, 4]}),
    ("tabs", b"a\tb\n1\t2\n", "d.tsv", FileFormat.TSV, {"a": [1], "b": [2]}),
    (
        "bom and crlf",
        b"\xef\xbb\xbfa,b\r\n1,x\r\n",
        "d.csv",
        FileFormat.CSV,
        {"a": [1], "b": ["x"]},
    ),
    ("formula cells", b"a\n=1+1\n", "d.csv", FileFormat.CSV, {"a": ["=1+1"]}),
    ("gzip named", gzip.compress(b"a,b\n1,2\n"), "d.csv.gz", FileFormat.CSV, {"a": [1], "b": [2]}),
    ("no extension", b"a,b\n1,2\n", "upload", FileFormat.CSV, {"a": [1], "b": [2]}),
    (
        "json array",
        json.dumps([{"a": 1, "b": {"c": 2}}]).encode(),
        "d.json",
        FileFormat.JSON,
        {"a": [1], "b": ['{"c": 2}']},
    ),
    ("json lines", b'{"a": 1}\n{"a": 2}\n', "d.jsonl", FileFormat.JSONL, {"a": [1, 2]}),
    (
        "parquet",
        parquet_bytes(pa.table({"a": [1.5]})),
        "d.parquet",
        FileFormat.PARQUET,
        {"a": [1.5]},
    ),
]


@pytest.mark.parametrize(
    ("content", "filename", "file_format", "expected"),
    [case[1:] for case in ACCEPTED],
    ids=[case[0] for case in ACCEPTED],
)
def test_acceptable_files_are_read(
    tmp_path: Path, content: bytes, filename: str, file_format: FileFormat, expected: dict
) -> None:
    ingested = ingest(write(tmp_path, content), filename, Limits())

    assert ingested.file_format == file_format
    assert ingested.table.to_pydict() == expected


def test_a_column_that_changes_type_late_is_kept_as_text(tmp_path: Path) -> None:
    rows = [f"{i},{i}" for i in range(300_000)] + ["1,abc"]
    path = write(tmp_path, ("a,b\n" + "\n".join(rows) + "\n").encode())

    table = ingest(path, "d.csv", Limits()).table

    assert table.schema.field("b").type == pa.string()
    assert table.schema.field("a").type == pa.int64()
    assert table.num_rows == 300_001


def test_one_huge_field_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, b"a,b\n1," + b"x" * 10_000_000 + b"\n")

    assert len(ingest(path, "d.csv", Limits()).table.column("b")[0].as_py()) == 10_000_000
