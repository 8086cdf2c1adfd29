"""Waiting for jobs over HTTP, and jobs made through the service for tests that need one the
public API does not offer."""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace
from typing import Any

from fastapi.testclient import TestClient

from synthfoundry.accounts.actor import system_actor
from synthfoundry.accounts.scopes import scopes_for_role
from synthfoundry.db import Database
from synthfoundry.jobs import service
from synthfoundry.jobs.diagnostics import StepsParams
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


def submit_steps(
    database: Database,
    owner_id: uuid.UUID,
    *,
    is_admin: bool = False,
    target: tuple[str, str] | None = None,
    **params: Any,
) -> uuid.UUID:
    """A ``system.steps`` job of ``owner_id``'s, optionally working on ``(type, id)``."""
    actor = system_actor(owner_id, scopes_for_role(is_admin))
    on = None if target is None else SimpleNamespace(target_type=target[0], id=uuid.UUID(target[1]))
    with database.unit_of_work(write=True) as session:
        return service.submit(session, actor, StepsParams(**params), target=on).id
