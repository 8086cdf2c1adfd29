"""The default backend: this process claims jobs and runs each in a child process of its own
(training never blocks the API, a job can be killed outright, memory is freed at its end).
Jobs of the ``gpu`` queue run one after another in one long-lived worker process instead, so
that a model it loaded (a diffusion pipeline: seconds to minutes) serves the next job too."""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import threading
import uuid
from multiprocessing import forkserver, popen_forkserver, spawn
from multiprocessing.context import ForkServerContext, ForkServerProcess
from multiprocessing.process import BaseProcess
from typing import Any

from synthfoundry.config import Settings
from synthfoundry.db import Database
from synthfoundry.jobs import records, workers
from synthfoundry.jobs.backends import Dispatcher, logger
from synthfoundry.jobs.events import create_bus
from synthfoundry.jobs.models import Job
from synthfoundry.jobs.reaper import recover
from synthfoundry.jobs.runner import claim_next, execute
from synthfoundry.jobs.threads import limit_threads
from synthfoundry.logging import configure_logging
from synthfoundry.packages import job_kind_modules, preload_modules, synthesizer_modules
from synthfoundry.storage import BlobStore

# Children fork from a server process that has imported these, so that they start in
# milliseconds and inherit none of the API's threads or connections.
PRELOAD = [
    "synthfoundry.db.models",
    "synthfoundry.jobs.runner",
    "synthfoundry.jobs.kinds",
    "synthfoundry.jobs.diagnostics",
]


class _JobPopen(popen_forkserver.Popen):
    """Starts a job child without re-running the program's main module in it.

    multiprocessing re-imports ``__main__`` in every child (for ``synthfoundry serve`` that is
    the whole CLI and API: 0.9 s a job, measured); its ``"__main__"`` preload never takes
    effect in CPython 3.11 because the forkserver is not given the main path. Job children
    need nothing from ``__main__``: their entry point is in this module. Only the dispatcher
    thread starts processes, so swapping the function for the duration of one launch is safe.
    """

    def _launch(self, process_obj: BaseProcess) -> None:
        original = spawn.get_preparation_data

        def without_main(name: str) -> dict[str, object]:
            data: dict[str, object] = original(name)
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
            return data

        spawn.get_preparation_data = without_main
        try:
            super()._launch(process_obj)  # type: ignore[misc]
        finally:
            spawn.get_preparation_data = original


class _JobProcess(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: BaseProcess) -> _JobPopen:  # noqa: N802 (multiprocessing's name)
        return _JobPopen(process_obj)


def configure_forkserver() -> None:
    # Job kinds and models too: importing them (torch among them) took a job child ~6 s.
    preload = [*PRELOAD, *job_kind_modules(), *synthesizer_modules(), *preload_modules()]
    context: ForkServerContext = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload)


GPU_QUEUE = "gpu"


def _start_process(settings: Settings) -> tuple[threading.Event, Database, BlobStore]:
    shutdown = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: shutdown.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the parent, which stops us
    limit_threads(settings.jobs.torch_threads)
    configure_logging(settings.logging)
    database = Database.connect(settings.database_url, settings.database)
    storage = BlobStore.from_settings(settings.storage_url, settings.storage)
    records.set_notifier(create_bus(settings.events.url).notify)
    return shutdown, database, storage


def _run_one(
    settings: Settings,
    database: Database,
    storage: BlobStore,
    job_id: uuid.UUID,
    attempt: int,
    shutdown: threading.Event,
    dispatcher_id: str,
) -> None:
    # The dispatcher's id first (the worker registry finds its jobs by it), this process last.
    worker_id = f"{dispatcher_id}:{os.getpid()}"

    def mark_worker(_session: object, job: Job) -> None:
        job.worker_id = worker_id

    if records.apply(database, job_id, attempt, mark_worker):
        execute(database, storage, settings, job_id, attempt, shutdown)


def _ready() -> None:
    """A process that does nothing: its start proves the fork server has finished preloading."""


def run_child(settings: Settings, job_id: uuid.UUID, attempt: int, dispatcher_id: str) -> None:
    """Entry point of a job's child process."""
    shutdown, database, storage = _start_process(settings)
    try:
        _run_one(settings, database, storage, job_id, attempt, shutdown, dispatcher_id)
    finally:
        database.dispose()


def serve_gpu_jobs(
    settings: Settings, connection: multiprocessing.connection.Connection, dispatcher_id: str
) -> None:
    """Entry point of the long-lived GPU worker: runs each ``(job_id, attempt)`` it is sent and
    answers with the job id, until told ``None``, stopped, or its parent is gone."""
    shutdown, database, storage = _start_process(settings)
    try:
        while not shutdown.is_set():
            if not connection.poll(0.5):
                continue
            message = connection.recv()
            if message is None:
                return
            job_id, attempt = message
            try:
                _run_one(settings, database, storage, job_id, attempt, shutdown, dispatcher_id)
            except Exception as exc:  # the job's own failure is recorded by execute
                logger.warning(
                    "GPU worker: job ended abnormally", job_id=str(job_id), error=repr(exc)
                )
            connection.send(job_id)
    except (EOFError, OSError):
        return  # the dispatcher went away
    finally:
        database.dispose()


class _GpuWorker:
    """The dispatcher's handle on the GPU worker process and the job it is running."""

    def __init__(self, settings: Settings, dispatcher_id: str) -> None:
        self.connection, worker_end = multiprocessing.Pipe()
        self.process = _JobProcess(
            target=serve_gpu_jobs,
            args=(settings, worker_end, dispatcher_id),
            name="gpu-worker",
            daemon=False,
        )
        self.process.start()
        worker_end.close()
        self.job: tuple[uuid.UUID, int] | None = None

    def give(self, job_id: uuid.UUID, attempt: int) -> None:
        self.job = (job_id, attempt)
        self.connection.send((job_id, attempt))

    def finished(self) -> tuple[uuid.UUID, int] | None:
        """The job the worker reports finished (or was running when the worker died)."""
        if self.job is None:
            return None
        done = self.job
        try:
            if self.connection.poll():
                self.connection.recv()
                self.job = None
                return done
        except (EOFError, OSError):
            pass
        if not self.process.is_alive():
            self.job = None
            return done
        return None

    def terminate(self) -> None:
        """Ask the running job to go back to the queue and the worker to end."""
        if self.process.is_alive() and self.process.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGTERM)

    def stop(self, timeout: float) -> tuple[uuid.UUID, int] | None:
        self.terminate()
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()
        return self.job


class LocalDispatcher(Dispatcher):
    def __init__(self, settings: Settings, database: Database, storage: BlobStore) -> None:
        super().__init__(settings, database, storage)
        self.worker_id = f"local:{socket.gethostname()}:{os.getpid()}"
        configure_forkserver()
        self._forkserver_ready = False
        self._children: dict[uuid.UUID, tuple[BaseProcess, int]] = {}
        self._gpu_worker: _GpuWorker | None = None
        # Socket objects, not raw descriptors: once closed, a late wake() (a commit after the
        # server stopped) fails on the object instead of writing into whatever file reused the
        # number (a PostgreSQL connection's socket, which then hangs).
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)

    def worker(self) -> workers.WorkerInfo:
        return workers.WorkerInfo(
            id=self.worker_id,
            host=socket.gethostname(),
            pid=os.getpid(),
            backend="local",
            queues=tuple(self.settings.jobs.queues),
            concurrency=self.settings.jobs.concurrency,
        )

    def wake(self) -> None:
        # BlockingIOError: a full buffer is awake already; OSError: closed by stop().
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"!")

    def idle(self, seconds: float) -> None:
        if self._stopping.is_set():
            return
        # Wake as soon as a child exits, so that its slot is filled at once.
        sentinels: list[Any] = [child.sentinel for child, _attempt in self._children.values()]
        if self._gpu_worker is not None:
            sentinels += [self._gpu_worker.connection, self._gpu_worker.process.sentinel]
        ready = multiprocessing.connection.wait([self._wake_reader, *sentinels], timeout=seconds)
        if self._wake_reader in ready:
            with contextlib.suppress(OSError):
                self._wake_reader.recv(4096)

    def dispatch(self) -> None:
        if not self._forkserver_ready:
            # Ready before the first claim: its preload takes seconds (~15 with diffusers), and
            # a job must not sit "running" (its lease ticking) while its process waits for the
            # server. ensure_running() does not wait for the preload; a first process does.
            forkserver.ensure_running()
            probe = _JobProcess(target=_ready, name="forkserver-probe", daemon=True)
            probe.start()
            probe.join()
            self._forkserver_ready = True
        self._collect_finished()
        self._dispatch_gpu()
        queues = [queue for queue in self.settings.jobs.queues if queue != GPU_QUEUE]
        while (
            queues
            and len(self._children) < self.settings.jobs.concurrency
            and not self._stopping.is_set()
        ):
            claimed = claim_next(
                self.database, self.worker_id, queues, self.settings.jobs.lease_seconds
            )
            if claimed is None:
                return
            job_id, attempt = claimed
            child = _JobProcess(
                target=run_child,
                args=(self.settings, job_id, attempt, self.worker_id),
                name=f"job-{job_id}",
                daemon=False,
            )
            child.start()
            self._children[job_id] = (child, attempt)
            logger.info("job handed to a child process", job_id=str(job_id), pid=child.pid)

    def _dispatch_gpu(self) -> None:
        if GPU_QUEUE not in self.settings.jobs.queues or self.settings.jobs.concurrency == 0:
            return
        worker = self._gpu_worker
        if worker is not None and (finished := worker.finished()) is not None:
            recover(self.database, self.storage, finished[0], attempt=finished[1])
        if worker is not None and not worker.process.is_alive():
            worker.stop(0)
            self._gpu_worker = worker = None
        if (worker is not None and worker.job is not None) or self._stopping.is_set():
            return
        claimed = claim_next(
            self.database, self.worker_id, [GPU_QUEUE], self.settings.jobs.lease_seconds
        )
        if claimed is None:
            return
        if worker is None:
            worker = self._gpu_worker = _GpuWorker(self.settings, self.worker_id)
        worker.give(*claimed)
        logger.info("job handed to the GPU worker", job_id=str(claimed[0]), pid=worker.process.pid)

    def _collect_finished(self) -> None:
        for job_id, (child, attempt) in list(self._children.items()):
            if child.is_alive():
                continue
            child.join()
            del self._children[job_id]
            # A child that ended without finishing its job (killed, crashed) lost it: recover now
            # rather than waiting for the lease to expire. A finished job is left alone.
            recover(self.database, self.storage, job_id, attempt=attempt)

    def stop(self, timeout: float = 30.0) -> None:
        """Ask running jobs to checkpoint and go back to the queue, then stop."""
        self._stopping.set()
        self.wake()
        self._thread.join(timeout)
        children = list(self._children.items())
        for _job_id, (child, _attempt) in children:
            if child.is_alive() and child.pid is not None:
                with contextlib.suppress(ProcessLookupError):  # it may end in between
                    os.kill(child.pid, signal.SIGTERM)
        if self._gpu_worker is not None:
            self._gpu_worker.terminate()
        for job_id, (child, attempt) in children:
            child.join(timeout)
            if child.is_alive():
                child.kill()
                child.join()
            recover(self.database, self.storage, job_id, attempt=attempt)
        self._children.clear()
        if self._gpu_worker is not None:
            running = self._gpu_worker.stop(timeout)
            if running is not None:
                recover(self.database, self.storage, running[0], attempt=running[1])
            self._gpu_worker = None
        self._wake_reader.close()
        self._wake_writer.close()

    @property
    def running(self) -> int:
        gpu = self._gpu_worker is not None and self._gpu_worker.job is not None
        return len(self._children) + int(gpu)
