"""Stored tables as downloads: CSV (spreadsheet formulas neutralised), JSON, Parquet or a ZIP of
CSV, streamed in chunks."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from synthfoundry.datasets.schemas import DownloadFormat
from synthfoundry.exports import neutralise_formula
from synthfoundry.storage import BlobStore

EXPORT_BATCH_ROWS = 50_000


def export_table(
    storage: BlobStore, key: str, name: str, file_format: DownloadFormat
) -> Iterator[bytes]:
    """A stored Parquet table as ``file_format``, in chunks; CSV cells that a spreadsheet would
    run as a formula are neutralised."""
    if file_format == "parquet":
        yield from storage.iter_chunks(key)
        return
    if file_format == "zip":
        yield _zipped_csv(storage, key, name)
        return
    with storage.open_read(key) as source:
        parquet = pq.ParquetFile(source)
        first = True
        if file_format == "json":
            yield b"["
        for batch in parquet.iter_batches(batch_size=EXPORT_BATCH_ROWS):
            if file_format == "csv":
                yield _csv_chunk(batch, header=first)
            else:
                text = ",".join(json.dumps(row, default=str) for row in batch.to_pylist())
                yield ((b"" if first else b",") + text.encode()) if text else b""
            first = False
        if file_format == "json":
            yield b"]"


def _csv_chunk(batch: pa.RecordBatch, header: bool) -> bytes:
    columns = []
    for column in batch.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            values = [None if v is None else neutralise_formula(v) for v in column.to_pylist()]
            column = pa.array(values, type=pa.string())
        columns.append(column)
    safe = pa.RecordBatch.from_arrays(columns, names=batch.schema.names)
    sink = io.BytesIO()
    if header:  # pyarrow quotes every header name; spreadsheets and people expect plain ones
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerow(
            [neutralise_formula(str(name)) for name in batch.schema.names]
        )
        sink.write(text.getvalue().encode())
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    pa_csv.write_csv(safe, sink, write_options=options)
    return sink.getvalue()


def _zipped_csv(storage: BlobStore, key: str, name: str) -> bytes:
    sink = io.BytesIO()
    with (
        zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(f"{safe_stem(name)}.csv", "w") as member,
    ):
        for chunk in export_table(storage, key, name, "csv"):
            member.write(chunk)
    return sink.getvalue()


def safe_stem(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:100] or "dataset"
