"""A job's events over plain HTTP: the Server-Sent Events of ``GET /v1/jobs/{id}/events/stream``
(the messages of the WebSocket, with the usual ``Authorization`` header).

The server ends a stream once the job is over, and now and then before that so that no
connection stays open for long; ``follow`` then resumes after the last ``seq`` it received.
"""

from __future__ import annotations

import json
import time
from collections.abc import Generator, Iterable, Iterator
from typing import cast

import httpx

from synthfoundry.client.errors import raise_for_problem
from synthfoundry.client.schemas import TERMINAL, Job, JobProgress, StreamMessage

# The server sends a keep-alive every few seconds: this long a silence is a stalled stream.
READ_SECONDS = 60.0


class StreamUnavailable(Exception):
    """The answer was no event stream: an older server, or a proxy in the way."""


def read_server_sent(lines: Iterable[str]) -> Iterator[StreamMessage | None]:
    """The JSON messages of an event stream's lines, and ``None`` for each keep-alive."""
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                message: StreamMessage = json.loads("\n".join(data))
                yield message
                data = []
        elif line.startswith(":"):
            yield None
        else:
            name, _, value = line.partition(":")
            if name == "data":
                data.append(value.removeprefix(" "))


def ends_job(message: StreamMessage) -> bool:
    if message["type"] == "snapshot":
        return message["job"]["status"] in TERMINAL
    return message["event"] == "status" and message["data"].get("status") in TERMINAL


def follow(
    http: httpx.Client,
    job_id: str,
    *,
    after_seq: int | None = None,
    deadline: float | None = None,
) -> Generator[StreamMessage | None, None, None]:
    """The job's snapshot (or its events after ``after_seq``), then each event until the job is
    over, with ``None`` for keep-alives. Raises ``APIError`` for an error answer,
    ``StreamUnavailable`` for an answer that is no event stream, and httpx's errors (a
    ``ReadTimeout`` once ``deadline``, a ``time.monotonic()`` value, has passed)."""
    while True:
        read_seconds = READ_SECONDS
        if deadline is not None:  # a little past it, so that a timeout means it has passed
            read_seconds = max(0.0, min(READ_SECONDS, deadline - time.monotonic())) + 0.5
        timeout = httpx.Timeout(http.timeout.connect, read=read_seconds)
        params = {} if after_seq is None else {"after_seq": after_seq}
        received = False
        with http.stream(
            "GET",
            f"/v1/jobs/{job_id}/events/stream",
            params=params,
            headers={"Accept": "text/event-stream"},
            timeout=timeout,
        ) as response:
            if response.is_error:
                response.read()
                raise_for_problem(response)
            media_type = response.headers.get("content-type", "").partition(";")[0].strip()
            if media_type != "text/event-stream":
                raise StreamUnavailable(f"the event stream answered {media_type or 'no type'}")
            for message in read_server_sent(response.iter_lines()):
                received = True
                if message is not None:
                    after_seq = message["seq"]
                yield message
                if message is not None and ends_job(message):
                    return
        if not received:  # resuming would only ask again for the same nothing
            raise StreamUnavailable("the event stream ended without a message")


def apply(job: Job | None, message: StreamMessage) -> Job | None:
    """The job after one message: a snapshot is the whole job, an event changes a part of it
    (events before any snapshot change nothing)."""
    if message["type"] == "snapshot":
        return message["job"]
    if job is None:
        return None
    job = job.copy()
    data = message.get("data", {})
    if message["type"] != "event":  # other messages (workflow_update) carry no job change
        pass
    elif message["event"] == "status":
        job["status"] = data["status"]
        if "error" in data:
            job["error"] = data["error"]
    elif message["event"] == "progress":
        job["progress"] = cast(JobProgress, data)
    elif message["event"] == "stage":
        job["stages"] = [
            {**stage, "status": data["status"]} if stage.get("name") == data["stage"] else stage
            for stage in job.get("stages", [])
        ]
    job["last_event_seq"] = message["seq"]
    return job
