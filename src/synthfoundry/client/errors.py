"""Errors the client raises: every error answer is an ``APIError``; a job that ends in failure
is a ``JobFailed``."""

from __future__ import annotations

from typing import Any

import httpx

from synthfoundry.client.schemas import Job


class APIError(Exception):
    """An error answer (RFC 9457 problem): ``status``, ``code``, ``detail``, ``request_id`` and
    the whole ``problem``."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        self.code = str(problem.get("code", "error"))
        self.title = str(problem.get("title", ""))
        self.detail = str(problem.get("detail", problem.get("title", "")))
        self.request_id = problem.get("request_id")
        self.errors = problem.get("errors")
        super().__init__(f"{status} {self.code}: {self.detail}")


class JobFailed(APIError):
    """A job ended failed or cancelled; ``job`` holds its last state."""

    def __init__(self, job: Job) -> None:
        error = job.get("error") or {"code": job["status"], "message": ""}
        problem = {
            "code": error.get("code") or job["status"],
            "detail": error.get("message") or f"job {job['id']} {job['status']}",
        }
        super().__init__(200, problem)
        self.job = job


class NotSignedIn(APIError):
    """No API key was given and no usable login is stored for the server."""

    def __init__(self, base_url: str, reason: str) -> None:
        detail = f"{base_url}: {reason}; sign in with `synthfoundry login` or give an API key"
        super().__init__(401, {"code": "not_signed_in", "detail": detail})
        self.base_url = base_url


def raise_for_problem(response: httpx.Response) -> None:
    """Raise ``APIError`` for an error answer (read it first when it is streamed)."""
    if not response.is_error:
        return
    try:
        problem = response.json()
    except ValueError:
        problem = {"code": "http_error", "detail": response.text[:500]}
    if not isinstance(problem, dict):
        problem = {"code": "http_error", "detail": str(problem)[:500]}
    raise APIError(response.status_code, problem)
