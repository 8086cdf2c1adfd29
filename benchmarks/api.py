"""API benchmark: upload and ingest of a 100 MB CSV against pyarrow.csv.read_csv of the same
file, and read latency under load (50 concurrent clients for 60 s on GET /v1/jobs/{id} and
GET /v1/datasets), on SQLite and PostgreSQL. The server runs as its own process (`synthfoundry
serve`); the clients run here, on loopback.

    .venv/bin/python -m benchmarks.api [--megabytes 100] [--seconds 60] [--clients 50]

Prints a table and writes benchmarks/results/api.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pyarrow.csv as pa_csv
from tests.support.postgres import PostgresCluster, find_postgres_bin, free_port

from benchmarks.evaluation import DATA
from benchmarks.jobs import BIN, PASSWORD, RESULTS, start, stop, wait_http


def big_csv(directory: Path, megabytes: int) -> Path:
    """Adult's train split repeated until the file is ``megabytes`` large."""
    source = (DATA / "adult_train.csv").read_bytes()
    header, body = source.split(b"\n", 1)
    path = directory / "big.csv"
    with open(path, "wb") as sink:
        sink.write(header + b"\n")
        while sink.tell() < megabytes * 1024 * 1024:
            sink.write(body if body.endswith(b"\n") else body + b"\n")
    return path


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    def __init__(self, database_url: str | None, directory: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "SYNTHFOUNDRY_DATA_DIR": str(directory),
            "SYNTHFOUNDRY_RATE_LIMITS__ENABLED": "false",
            "SYNTHFOUNDRY_LOGGING__LEVEL": "WARNING",
            "SYNTHFOUNDRY_ADMIN_PASSWORD": PASSWORD,
            "SYNTHFOUNDRY_DATASETS__MAX_UPLOAD_BYTES": str(400 * 1024 * 1024),
            "SYNTHFOUNDRY_JOBS__MAX_ACTIVE_PER_USER": "1000",
        }
        if database_url:
            self.env["SYNTHFOUNDRY_DATABASE__URL"] = database_url
        for command in (["db", "upgrade"], ["users", "create-admin", "--email", "b@example.com"]):
            subprocess.run([BIN / "synthfoundry", *command], env=self.env, check=True)
        self.process = start(
            [str(BIN / "synthfoundry"), "serve", "--port", str(self.port)], self.env
        )
        wait_http(f"{self.base}/healthz")
        token = httpx.post(
            f"{self.base}/v1/auth/token", data={"username": "b@example.com", "password": PASSWORD}
        ).json()["access_token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def close(self) -> None:
        stop(self.process)


def upload(server: Server, path: Path) -> dict[str, Any]:
    before = rss_mib(server.process.pid)
    started = time.perf_counter()
    with httpx.Client(base_url=server.base, headers=server.headers, timeout=600) as http:
        with open(path, "rb") as handle:
            answer = http.post("/v1/datasets", files={"file": ("big.csv", handle)})
        answer.raise_for_status()
        accepted = time.perf_counter() - started
        dataset = answer.json()
        while dataset["status"] == "ingesting":
            time.sleep(0.2)
            dataset = http.get(f"/v1/datasets/{dataset['id']}").json()
    ready = time.perf_counter() - started
    return {
        "accepted_seconds": accepted,
        "ready_seconds": ready,
        "status": dataset["status"],
        "rows": dataset["rows"],
        "server_rss_growth_mib": rss_mib(server.process.pid) - before,
    }


async def load(server: Server, clients: int, seconds: float) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.base, headers=server.headers) as http:
        job = (await http.post("/v1/jobs/diagnostics", json={"steps": 1})).json()
    paths = [f"/v1/jobs/{job['id']}", "/v1/datasets?limit=20"]
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def client(number: int) -> None:
        nonlocal errors
        rng = random.Random(number)
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(
            base_url=server.base, headers=server.headers, limits=limits, timeout=10
        ) as http:
            await asyncio.sleep(rng.random())  # staggered starts
            while time.monotonic() < deadline:
                began = time.perf_counter()
                try:
                    answer = await http.get(paths[number % 2])
                    if answer.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - began)
                await asyncio.sleep(0.5 + rng.random() * 0.5)  # paced: about 1.3 requests/s

    await asyncio.gather(*(client(number) for number in range(clients)))
    latencies.sort()
    return {
        "requests": len(latencies),
        "requests_per_second": len(latencies) / seconds,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="bench-api-"))
    path = big_csv(directory, args.megabytes)
    megabytes = path.stat().st_size / 1024 / 1024
    started = time.perf_counter()
    pa_csv.read_csv(path)
    pyarrow_seconds = time.perf_counter() - started
    results: dict[str, Any] = {
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "file_mb": megabytes,
        "pyarrow_read_seconds": pyarrow_seconds,
        "backends": {},
    }
    cluster = None
    backends: list[tuple[str, str | None]] = [("sqlite", None)]
    bin_dir = find_postgres_bin()
    if bin_dir is not None:
        cluster = PostgresCluster(bin_dir)
        cluster.start()
        backends.append(("postgresql", cluster.admin_url))
    try:
        for name, url in backends:
            server = Server(url, directory / name)
            try:
                measured = upload(server, path)
                measured["mb_per_second"] = megabytes / measured["ready_seconds"]
                measured["ratio_to_pyarrow"] = pyarrow_seconds / measured["ready_seconds"]
                measured |= asyncio.run(load(server, args.clients, args.seconds))
                results["backends"][name] = measured
            finally:
                server.close()
    finally:
        if cluster is not None:
            cluster.destroy()
    print(f"{megabytes:.0f} MB CSV; pyarrow.csv.read_csv {pyarrow_seconds:.2f} s\n")
    print(
        "| database | upload+ingest s | MB/s | ÷ pyarrow | server RSS growth MiB | "
        f"{args.clients} clients: req/s | p50 ms | p99 ms | errors |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, m in results["backends"].items():
        print(
            f"| {name} | {m['ready_seconds']:.1f} | {m['mb_per_second']:.1f} | "
            f"{m['ratio_to_pyarrow']:.2f} | {m['server_rss_growth_mib']:.0f} | "
            f"{m['requests_per_second']:.0f} | {m['p50_ms']:.1f} | {m['p99_ms']:.1f} | "
            f"{m['errors']} |"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
