"""Waiting for jobs over HTTP."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from tests.support.accounts import Account

TERMINAL = {"succeeded", "failed", "cancelled"}


def wait_job(
    client: TestClient,
    account: Account,
    job_id: str,
    until: set[str] | None = None,
    seconds: float = 30.0,
) -> dict[str, Any]:
    until = until or TERMINAL
    deadline = time.monotonic() + seconds
    while True:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}", headers=account.headers).json()
        if job["status"] in until:
            return job
        assert time.monotonic() < deadline, f"job stuck in {job['status']}"
        time.sleep(0.05)
