"""A parent job seeing a child job through: the parent runs the child itself, in its own
process, if no worker has taken it (so a parent never waits for a slot it occupies), else waits
for it to end, checking its own stop requests meanwhile."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

from synthfoundry.jobs.context import JobContext
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.runner import claim, execute
from synthfoundry.jobs.states import TERMINAL, Status
from synthfoundry.logging import get_logger

POLL_SECONDS = 0.2
WATCH_SECONDS = 1.0
logger = get_logger("synthfoundry.jobs")


def see_through(
    context: JobContext,
    child_id: uuid.UUID,
    on_poll: Callable[[Job], None] | None = None,
) -> str:
    """The child's final status. ``on_poll`` sees the child's row while it runs elsewhere."""
    settings = context.app_settings
    if settings is not None:
        attempt = claim(
            context.database, child_id, f"parent:{context.job_id}", settings.jobs.lease_seconds
        )
        if attempt is not None:
            watching = threading.Event()
            watcher = threading.Thread(
                target=_watch, args=(context, child_id, on_poll, watching), daemon=True
            )
            if on_poll is not None:
                watcher.start()
            try:
                execute(
                    context.database, context.storage, settings, child_id, attempt, context.shutdown
                )
            finally:
                watching.set()
                if watcher.is_alive():
                    watcher.join()
    while True:
        with context.database.unit_of_work() as session:
            child = session.get(Job, child_id)
            status = child.status if child is not None else Status.FAILED
            if child is not None and on_poll is not None:
                on_poll(child)
        if status in TERMINAL:
            return str(status)
        context.check()
        time.sleep(POLL_SECONDS)


def _watch(
    context: JobContext,
    child_id: uuid.UUID,
    on_poll: Callable[[Job], None] | None,
    done: threading.Event,
) -> None:
    """While the child runs in this process, show its progress as if it ran elsewhere."""
    assert on_poll is not None
    while not done.wait(WATCH_SECONDS):
        try:
            with context.database.unit_of_work() as session:
                child = session.get(Job, child_id)
                if child is not None:
                    on_poll(child)
        except Exception as exc:  # progress is best effort; the child's own run decides
            logger.warning("watching a child job failed", child=str(child_id), error=repr(exc))
