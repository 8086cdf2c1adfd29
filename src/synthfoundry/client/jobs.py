from __future__ import annotations

import time
from contextlib import closing
from typing import TYPE_CHECKING

import httpx

from synthfoundry.client.base import Resource
from synthfoundry.client.errors import APIError, JobFailed
from synthfoundry.client.events import StreamUnavailable, apply, follow
from synthfoundry.client.schemas import TERMINAL, Job

if TYPE_CHECKING:
    from synthfoundry.client.progress import ProgressBar


class Jobs(Resource[Job]):
    path = "/v1/jobs"

    def cancel(self, job_id: str) -> Job:
        """Cancel: a queued or paused job at once, a running one at its next safe point."""
        job: Job = self.client.request("POST", f"{self.path}/{job_id}/cancel")
        return job

    def pause(self, job_id: str) -> Job:
        """Pause at the next safe point (a checkpoint); ``resume`` goes on from there."""
        job: Job = self.client.request("POST", f"{self.path}/{job_id}/pause")
        return job

    def resume(self, job_id: str) -> Job:
        job: Job = self.client.request("POST", f"{self.path}/{job_id}/resume")
        return job

    def wait(
        self,
        job_id: str,
        *,
        progress_bar: bool = False,
        timeout: float | None = None,
        poll_seconds: float = 0.5,
    ) -> Job:
        """Follow the job's event stream until it ends (or poll it every ``poll_seconds`` where
        the server offers no stream); raise ``JobFailed`` unless it succeeded, ``TimeoutError``
        after ``timeout`` seconds. The progress bar goes to stderr."""
        deadline = None if timeout is None else time.monotonic() + timeout
        bar: ProgressBar | None = None
        if progress_bar:
            from synthfoundry.client.progress import ProgressBar

            bar = ProgressBar(job_id)
        try:
            job = self._follow(job_id, bar, deadline)
            if job is None:
                job = self._poll(job_id, bar, deadline, poll_seconds)
        finally:
            if bar is not None:
                bar.close()
        if job["status"] != "succeeded":
            raise JobFailed(job)
        return job

    def _follow(self, job_id: str, bar: ProgressBar | None, deadline: float | None) -> Job | None:
        """The job once it is over, from its event stream; ``None`` where there is no stream
        (or it broke off), to poll instead."""
        job: Job | None = None
        try:
            with closing(follow(self.client.http, job_id, deadline=deadline)) as messages:
                for message in messages:
                    if message is not None:  # None: a keep-alive, a moment to check the time
                        job = apply(job, message)
                        if bar is not None and job is not None:
                            bar.update(job)
                    if job is not None and job["status"] in TERMINAL:
                        break
                    _check_deadline(job_id, job, deadline)
        except (APIError, StreamUnavailable, httpx.HTTPError, ValueError) as error:
            if isinstance(error, httpx.TimeoutException):
                _check_deadline(job_id, job, deadline)
            return None
        if job is None or job["status"] not in TERMINAL:
            return None
        return self.get(job_id)  # with what events do not carry: the result, the times

    def _poll(
        self, job_id: str, bar: ProgressBar | None, deadline: float | None, poll_seconds: float
    ) -> Job:
        while True:
            job = self.get(job_id)
            if bar is not None:
                bar.update(job)
            if job["status"] in TERMINAL:
                return job
            _check_deadline(job_id, job, deadline)
            time.sleep(poll_seconds)


def _check_deadline(job_id: str, job: Job | None, deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        status = job["status"] if job is not None else "unfinished"
        raise TimeoutError(f"job {job_id} is still {status}")
