"""Job system benchmark: trivial-job throughput and progress-to-WebSocket latency, for the local
and the Celery backend, with real server and worker processes on this machine.

    .venv/bin/python -m benchmarks.jobs [--jobs 200] [--workers 2]

Prints a table and writes benchmarks/results/jobs.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import websockets
from tests.support.postgres import free_port
from tests.support.redis import RedisServer

BIN = Path(sys.executable).parent
PASSWORD = "benchmark password"
RESULTS = Path(__file__).parent / "results"


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_http(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


async def latency(base: str, headers: dict[str, str], token: str) -> list[float]:
    """Seconds from a progress event's commit (its `at`) to its arrival on a WebSocket."""
    async with httpx.AsyncClient(base_url=base, headers=headers) as http:
        job = (
            await http.post("/v1/jobs/diagnostics", json={"steps": 100, "step_seconds": 0.05})
        ).json()
    delays = []
    async with websockets.connect(
        base.replace("http", "ws") + f"/v1/jobs/{job['id']}/events"
    ) as socket:
        await socket.send(json.dumps({"type": "auth", "token": token}))
        while True:
            message = json.loads(await socket.recv())
            if message.get("event") == "progress":
                delays.append(time.time() - datetime.fromisoformat(message["at"]).timestamp())
            if message.get("event") == "status" and message["data"]["status"] in (
                "succeeded",
                "failed",
            ):
                return delays


def throughput(base: str, headers: dict[str, str], count: int) -> float:
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        started = time.perf_counter()
        ids = [
            http.post("/v1/jobs/diagnostics", json={"steps": 1, "step_seconds": 0}).json()["id"]
            for _ in range(count)
        ]
        pending = set(ids)
        while pending:
            for job_id in list(pending):
                if http.get(f"/v1/jobs/{job_id}").json()["status"] in ("succeeded", "failed"):
                    pending.discard(job_id)
            time.sleep(0.05)
        return count / (time.perf_counter() - started)


def run_backend(backend: str, jobs: int, workers: int, redis: RedisServer) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix=f"bench-jobs-{backend}-"))
    port = free_port()
    env = {
        **os.environ,
        "SYNTHFOUNDRY_DATA_DIR": str(directory),
        "SYNTHFOUNDRY_JOBS__BACKEND": backend,
        "SYNTHFOUNDRY_JOBS__CONCURRENCY": str(workers if backend == "local" else 0),
        "SYNTHFOUNDRY_JOBS__BROKER_URL": redis.url,
        "SYNTHFOUNDRY_JOBS__PROGRESS_INTERVAL_SECONDS": "0",
        "SYNTHFOUNDRY_JOBS__MAX_ACTIVE_PER_USER": "10000",
        "SYNTHFOUNDRY_EVENTS__URL": redis.url if backend == "celery" else "memory://",
        "SYNTHFOUNDRY_RATE_LIMITS__ENABLED": "false",
        "SYNTHFOUNDRY_LOGGING__LEVEL": "WARNING",
        "SYNTHFOUNDRY_ADMIN_PASSWORD": PASSWORD,
    }
    subprocess.run(
        [BIN / "synthfoundry", "db", "upgrade"], env=env, check=True, capture_output=True
    )
    subprocess.run(
        [BIN / "synthfoundry", "users", "create-admin", "--email", "bench@example.com"],
        env=env,
        check=True,
        capture_output=True,
    )
    processes = [start([str(BIN / "synthfoundry"), "serve", "--port", str(port)], env)]
    if backend == "celery":
        processes.append(
            start(
                [
                    str(BIN / "synthfoundry"),
                    "worker",
                    "--queues",
                    "cpu",
                    "--concurrency",
                    str(workers),
                ],
                env,
            )
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/readyz")
        token = httpx.post(
            f"{base}/v1/auth/token", data={"username": "bench@example.com", "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        throughput(base, headers, 5)  # warm up: worker start, first imports
        jobs_per_second = throughput(base, headers, jobs)
        delays = sorted(asyncio.run(latency(base, headers, token)))
    finally:
        for process in reversed(processes):
            stop(process)
        shutil.rmtree(directory, ignore_errors=True)
    return {
        "backend": backend,
        "workers": workers,
        "jobs": jobs,
        "jobs_per_second": round(jobs_per_second, 2),
        "latency_p50_ms": round(statistics.median(delays) * 1000, 1),
        "latency_p99_ms": round(delays[min(len(delays) - 1, int(len(delays) * 0.99))] * 1000, 1),
        "latency_samples": len(delays),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    redis = RedisServer()
    try:
        rows = [
            run_backend(backend, args.jobs, args.workers, redis) for backend in ("local", "celery")
        ]
    finally:
        redis.stop()
    print(
        f"\nJob system on {os.cpu_count()} cores, SQLite, {args.workers} job slots, "
        f"{args.jobs} trivial jobs"
    )
    print(f"{'backend':<8} {'jobs/s':>8} {'WS p50 ms':>10} {'WS p99 ms':>10} {'samples':>8}")
    for row in rows:
        print(
            f"{row['backend']:<8} {row['jobs_per_second']:>8} {row['latency_p50_ms']:>10} "
            f"{row['latency_p99_ms']:>10} {row['latency_samples']:>8}"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "jobs.json").write_text(
        json.dumps(
            {
                "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
                "results": rows,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
