"""Web UI benchmark: time to first render and to interactive of the datasets page on loopback,
and the bytes shipped, against the budget in the README and against the API's own Swagger UI page
(the other browser page a user of the platform would otherwise open).

    .venv/bin/python -m benchmarks.ui [--loads 7] [--datasets 25]

A real server (``synthfoundry serve``, SQLite) with ``--datasets`` uploaded tables, and Debian's
Chromium through Playwright. Each load is a cold one: a new browser context (empty cache) already
signed in by its session cookie. First render is the first contentful paint; interactive is the
UI's ``synthfoundry:ready`` mark, set once the page's data is fetched and drawn. Prints a table and
writes benchmarks/results/ui.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, sync_playwright

from synthfoundry.web.assets import load_assets, shipped_bytes

RESULTS = Path(__file__).parent / "results"
BUDGET_COMPRESSED_BYTES = 300 * 1024
EMAIL, PASSWORD = "bench@example.com", "correct horse battery"
MARKER = {"x-synthfoundry-browser": "1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "SYNTHFOUNDRY_DATA_DIR": str(data_dir),
        "SYNTHFOUNDRY_AUTH__BOOTSTRAP_ADMIN_EMAIL": EMAIL,
        "SYNTHFOUNDRY_AUTH__BOOTSTRAP_ADMIN_PASSWORD": PASSWORD,
        "SYNTHFOUNDRY_RATE_LIMITS__ENABLED": "false",
    }
    cli = str(Path(sys.executable).with_name("synthfoundry"))
    subprocess.run([cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                return server, url
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


def _seed(url: str, datasets: int) -> None:
    token = httpx.post(f"{url}/v1/auth/token", data={"username": EMAIL, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    rows = "\n".join(f"{i},{i % 7},city-{i % 13}" for i in range(500))
    for number in range(datasets):
        httpx.post(
            f"{url}/v1/datasets",
            files={"file": (f"table-{number}.csv", f"id,group,city\n{rows}\n".encode())},
            headers=headers,
            timeout=60,
        ).raise_for_status()


def _load(browser: Browser, url: str, path: str, ready: str) -> dict[str, float]:
    context = browser.new_context()
    try:
        if path == "/":
            context.request.post(
                f"{url}/v1/auth/browser/login",
                form={"username": EMAIL, "password": PASSWORD},
                headers=MARKER,
            )
        page = context.new_page()
        page.goto(f"{url}{path}")
        page.wait_for_selector(ready, timeout=30_000)
        timings: dict[str, float] = page.evaluate(
            """() => {
              const paint = performance.getEntriesByName('first-contentful-paint')[0];
              const mark = performance.getEntriesByName('synthfoundry:ready')[0];
              const entries = [...performance.getEntriesByType('navigation'),
                               ...performance.getEntriesByType('resource')];
              const ours = entries.filter(e => !e.name.includes('/v1/'));
              return {
                first_render_ms: paint ? paint.startTime : NaN,
                interactive_ms: mark ? mark.startTime : performance.now(),
                bytes_transferred: ours.reduce((sum, e) => sum + (e.transferSize || 0), 0),
                requests: ours.length,
              };
            }"""
        )
        return timings
    finally:
        context.close()


def _summarise(loads: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(load[key] for load in loads) for key in loads[0]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=7)
    parser.add_argument("--datasets", type=int, default=25)
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Debian's chromium is needed: scripts/install-system-packages.sh")
    raw, compressed = shipped_bytes(load_assets())
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        server, url = _start_server(Path(folder))
        try:
            _seed(url, args.datasets)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium, args=["--no-sandbox"]
                )
                pages = {
                    "Synthfoundry UI: datasets page": ("/", "table"),
                    "reference: the API's Swagger UI (/docs)": ("/docs", ".opblock"),
                }
                for name, (path, ready) in pages.items():
                    _load(browser, url, path, ready)  # the server's own first-request costs
                    rows[name] = _summarise(
                        [_load(browser, url, path, ready) for _ in range(args.loads)]
                    )
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    ours = rows["Synthfoundry UI: datasets page"]
    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "loads": args.loads,
        "datasets": args.datasets,
        "assets_raw_bytes": raw,
        "assets_compressed_bytes": compressed,
        "budget_compressed_bytes": BUDGET_COMPRESSED_BYTES,
        "pages": rows,
    }
    print(
        f"{'page (median of ' + str(args.loads) + ' cold loads)':<44} {'first render':>13} "
        f"{'interactive':>12} {'KB sent':>8} {'requests':>9}"
    )
    for name, row in rows.items():
        print(
            f"{name:<44} {row['first_render_ms']:>10.0f} ms {row['interactive_ms']:>9.0f} ms "
            f"{row['bytes_transferred'] / 1024:>8.1f} {row['requests']:>9.0f}"
        )
    print(
        f"\nUI files: {raw / 1024:.1f} KB, {compressed / 1024:.1f} KB compressed "
        f"(budget {BUDGET_COMPRESSED_BYTES / 1024:.0f} KB: "
        f"{compressed / BUDGET_COMPRESSED_BYTES:.2f} of it); the datasets page loads "
        f"{ours['bytes_transferred'] / 1024:.1f} KB of them"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ui.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
