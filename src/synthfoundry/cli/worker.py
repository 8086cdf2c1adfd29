from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from synthfoundry.cli.common import load_settings, stderr


def worker(
    queues: Annotated[
        str, typer.Option(help="Comma-separated queues to take jobs from.")
    ] = "cpu,gpu",
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Jobs at once (default from settings).")
    ] = None,
) -> None:
    """Run jobs on this machine.

    A Celery worker when SYNTHFOUNDRY_JOBS__BACKEND=celery, else a local worker that takes jobs
    straight from the database (any number of them can share one database)."""
    settings = load_settings()
    queue_list = [queue.strip() for queue in queues.split(",") if queue.strip()]
    # A GPU runs one job at a time (a second would only compete for its memory).
    default = 1 if queue_list == ["gpu"] else max(1, settings.jobs.concurrency)
    count = concurrency or default
    if settings.jobs.backend == "celery":
        from synthfoundry.jobs.backends.celery import worker_main

        worker_main(settings, queue_list, count)
        return
    from synthfoundry.db import Database
    from synthfoundry.jobs import records
    from synthfoundry.jobs.backends.local import LocalDispatcher
    from synthfoundry.jobs.events import create_bus
    from synthfoundry.storage import BlobStore

    local_settings = settings.model_copy(
        update={
            "jobs": settings.jobs.model_copy(update={"queues": queue_list, "concurrency": count})
        }
    )
    database = Database.connect(local_settings.database_url, local_settings.database)
    storage = BlobStore.from_settings(local_settings.storage_url, local_settings.storage)
    dispatcher = LocalDispatcher(local_settings, database, storage)
    records.set_notifier(create_bus(local_settings.events.url).notify)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stderr.print(f"local worker: queues {','.join(queue_list)}, {count} at once")
    dispatcher.start()
    stop.wait()
    stderr.print("stopping: running jobs checkpoint and go back to the queue")
    dispatcher.stop()
    database.dispose()
