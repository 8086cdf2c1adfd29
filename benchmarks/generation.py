"""Generation speed of the default model on one core: rows/s to Parquet (``sample_to``) and in
memory (``sample``), now and by the previous path, with peak memory growth.

    OMP_NUM_THREADS=1 .venv/bin/python -m benchmarks.generation [--rows 1000000,2000000]

The model (sequential_trees) is fitted once on adult_train.csv and saved; each measurement runs
in a fresh process with one thread, loads it, draws a few rows to warm up, then times the
request. "previous" is the path before the compiled trees and the Arrow columns: every chunk
descends the trees node by node and goes through pandas (``pa.Table.from_pandas``). Both paths
give the same rows for a seed (tests/tabular/test_sequential_trees_fast_path.py). Rows/s are by
wall clock and by the process's CPU time (which a busy machine disturbs less); RSS growth is the
peak resident memory during the request less that before it. Prints a table with ratios and
writes benchmarks/results/generation.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.evaluation import DATA, RESULTS

OUTPUT = RESULTS / "generation.json"
SEED = 7
ONE_THREAD = {
    name: "1"
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "ARROW_NUM_THREADS")
}


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(model: Path, mode: str, path_kind: str, rows: int, out: Path) -> dict[str, Any]:
    """One timed request in this process (the worker side)."""
    import pyarrow as pa

    from synthfoundry.tabular.base import TabularSynthesizer
    from synthfoundry.tabular.models import sequential_trees
    from synthfoundry.tabular.models.sequential_trees import SequentialTreesSynthesizer

    synthesizer = SequentialTreesSynthesizer.load(model)
    if path_kind == "previous":
        sequential_trees.COMPILE_FROM_ROWS = sys.maxsize  # type: ignore[misc]
        synthesizer._forget_compiled()  # the model file keeps the compiled trees

        def through_pandas(rows: int, rng: Any) -> pa.Table:
            return TabularSynthesizer._sample_arrow(synthesizer, rows, rng)

        synthesizer._sample_arrow = through_pandas  # type: ignore[method-assign]
    synthesizer.sample(1000, seed=0)
    before = peak_rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    if mode == "parquet":
        synthesizer.sample_to(out, rows, seed=SEED)
    else:
        synthesizer.sample(rows, seed=SEED)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "rows_per_s": rows / wall,
        "rows_per_cpu_s": rows / cpu,
        "seconds": wall,
        "rss_growth_mib": peak_rss_mib() - before,
    }


def run(model: Path, mode: str, path_kind: str, rows: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        command = [sys.executable, "-m", "benchmarks.generation", "--worker"]
        command += [str(model), mode, path_kind, str(rows), str(Path(directory) / "out.parquet")]
        done = subprocess.run(
            command, env={**os.environ, **ONE_THREAD}, capture_output=True, text=True, check=False
        )
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    record: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return {"mode": mode, "path": path_kind, "rows": rows, **record}


def _cell(record: dict[str, Any] | None, key: str) -> str:
    return "-" if record is None else f"{record[key]:,.0f}"


def _ratio(now: dict[str, Any], previous: dict[str, Any] | None, key: str) -> str:
    return "-" if previous is None else f"{now[key] / previous[key]:.1f}x"


def table(records: list[dict[str, Any]]) -> str:
    lines = [
        "| output | rows | previous rows/s | now rows/s | ratio | previous rows/CPU-s "
        "| now rows/CPU-s | ratio | RSS growth MiB (previous, now) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    by_key = {(r["mode"], r["path"], r["rows"]): r for r in records}
    for mode, rows in sorted({(r["mode"], r["rows"]) for r in records}, reverse=True):
        now = by_key[(mode, "now", rows)]
        previous = by_key.get((mode, "previous", rows))
        lines.append(
            f"| {mode} | {rows:,} | {_cell(previous, 'rows_per_s')} | {_cell(now, 'rows_per_s')} "
            f"| {_ratio(now, previous, 'rows_per_s')} | {_cell(previous, 'rows_per_cpu_s')} "
            f"| {_cell(now, 'rows_per_cpu_s')} | {_ratio(now, previous, 'rows_per_cpu_s')} "
            f"| {_cell(previous, 'rss_growth_mib')}, {_cell(now, 'rss_growth_mib')} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="1000000,2000000", help="comma-separated row counts")
    parser.add_argument(
        "--previous-rows", type=int, default=1_000_000, help="rows for the previous path"
    )
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        model, mode, path_kind, rows, out = args.worker
        print(json.dumps(measure(Path(model), mode, path_kind, int(rows), Path(out))))
        return
    train = DATA / "adult_train.csv"
    if not train.exists():
        sys.exit(f"{train} is absent: the benchmark needs the shared Adult data")
    import pandas as pd

    from synthfoundry import get_synthesizer

    records: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as directory:
        model = Path(directory) / "model"
        get_synthesizer("sequential_trees", seed=0).fit(pd.read_csv(train)).save(model)
        for mode in ("parquet", "memory"):
            records.append(run(model, mode, "previous", args.previous_rows))
            for rows in (int(value) for value in args.rows.split(",")):
                records.append(run(model, mode, "now", rows))
                print(f"{mode} {rows}: {records[-1]['rows_per_s']:,.0f} rows/s", file=sys.stderr)
    RESULTS.mkdir(exist_ok=True)
    OUTPUT.write_text(json.dumps({"dataset": "adult", "records": records}, indent=1))
    print(table(records))


if __name__ == "__main__":
    main()
