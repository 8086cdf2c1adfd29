from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from synthfoundry import __version__, runtime
from synthfoundry.accounts.auth import AuthConfig
from synthfoundry.accounts.users import ensure_first_admin
from synthfoundry.api import routes
from synthfoundry.api.docs import install_docs
from synthfoundry.api.idempotency import IdempotencyMiddleware
from synthfoundry.api.metrics import HttpMetrics
from synthfoundry.api.middleware import RequestContextMiddleware
from synthfoundry.api.problems import COMMON_PROBLEM_RESPONSES, install_problem_handlers
from synthfoundry.api.ratelimit import RateLimiter
from synthfoundry.api.state import AppState
from synthfoundry.api.web_ui import install_web
from synthfoundry.audit.service import prune as prune_audit_events
from synthfoundry.config import Settings
from synthfoundry.db import Database, migrate
from synthfoundry.jobs import records
from synthfoundry.jobs.backends import Dispatcher, create_dispatcher
from synthfoundry.jobs.events import EventPump, create_bus
from synthfoundry.logging import configure_logging, get_logger
from synthfoundry.storage import BlobStore
from synthfoundry.synthesizers import list_synthesizers

logger = get_logger("synthfoundry.api")


def _operation_id(route: APIRoute) -> str:
    # Route function names are unique across the app (a test checks), so they make short,
    # stable operation ids for generated clients: "get_about", "readyz".
    return route.name


def _check_schema(database: Database) -> None:
    try:
        migrate.current_revision(database)
    except Exception as exc:
        # Start anyway: /readyz reports the outage, and the API answers 503 until it ends.
        logger.warning("database unreachable at start-up", error=repr(exc))
        return
    migrate.ensure_up_to_date(database)


AUDIT_PRUNE_INTERVAL_SECONDS = 3600


def _bootstrap_admin(database: Database, settings: Settings) -> None:
    email, password = settings.auth.bootstrap_admin_email, settings.auth.bootstrap_admin_password
    if not email or not password:
        return
    with database.unit_of_work(write=True) as session:
        if ensure_first_admin(session, email, password.get_secret_value()) is not None:
            logger.info("created the first admin from settings", email=email)


async def _prune_audit_events_forever(database: Database, retention_days: int) -> None:
    def prune_once() -> int:
        with database.unit_of_work() as session:
            return prune_audit_events(session, retention_days)

    while True:
        try:
            if removed := await run_in_threadpool(prune_once):
                logger.info("pruned audit events", removed=removed, retention_days=retention_days)
        except Exception as exc:
            logger.warning("audit pruning failed; will retry", error=repr(exc))
        await asyncio.sleep(AUDIT_PRUNE_INTERVAL_SECONDS)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API application for ``settings`` (read from the environment if not given)."""
    settings = settings or Settings()
    configure_logging(settings.logging)
    metrics = HttpMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database.connect(settings.database_url, settings.database)
        pruning: asyncio.Task[None] | None = None
        dispatcher: Dispatcher | None = None
        started: Dispatcher | None = None
        events: EventPump | None = None
        notifier: Callable[[], None] | None = None
        try:
            _check_schema(database)
            _bootstrap_admin(database, settings)
            storage = BlobStore.from_settings(settings.storage_url, settings.storage)
            runtime.configure(settings, storage)
            bus = create_bus(settings.events.url)
            events = EventPump(database, bus, settings.events)
            if settings.jobs.backend == "celery" or settings.jobs.concurrency > 0:
                dispatcher = create_dispatcher(settings, database, storage)
            wake_dispatcher = dispatcher.wake if dispatcher is not None else (lambda: None)

            def on_job_change() -> None:
                bus.notify()
                wake_dispatcher()

            records.set_notifier(on_job_change)
            notifier = on_job_change
            app.state.synthfoundry = AppState(
                settings=settings,
                database=database,
                storage=storage,
                metrics=metrics,
                rate_limiter=RateLimiter(settings.rate_limits),
                auth_config=AuthConfig(
                    settings.auth, settings.security.secret_key.get_secret_value()
                ),
                events=events,
                dispatcher=dispatcher,
            )
            await events.start()
            if dispatcher is not None:
                dispatcher.start()
                started = dispatcher
            # The model catalogue imports torch and diffusers: warm it beside the first requests
            # rather than inside one (GET /v1/about, /v1/synthesizers took seconds the first time).
            threading.Thread(target=list_synthesizers, name="warm-catalogue", daemon=True).start()
            pruning = asyncio.create_task(
                _prune_audit_events_forever(database, settings.audit.retention_days)
            )
            logger.info("started", database=database.backend, storage=storage.protocol)
            yield
        finally:
            # A commit after this app stopped (another app's, a test's) must not wake it.
            if notifier is not None:
                records.clear_notifier(notifier)
            if pruning is not None:
                pruning.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pruning
            # Only a started dispatcher stops: stopping one that a failed start-up never started
            # would raise and hide the error that failed it.
            if started is not None:
                await run_in_threadpool(started.stop)
            if events is not None:
                await events.stop()
            records.set_notifier(lambda: None)
            database.dispose()

    app = FastAPI(
        title="Synthfoundry",
        version=__version__,
        summary="Synthetic tabular data, image datasets and product videos behind one API.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        root_path=settings.server.root_path,
        generate_unique_id_function=_operation_id,
    )
    install_problem_handlers(app)
    install_docs(app)
    install_web(app)
    for router in routes.routers():
        app.include_router(router, responses=COMMON_PROBLEM_RESPONSES)
    app.add_middleware(IdempotencyMiddleware)

    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.server.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    max_body = settings.server.max_body_bytes
    # Multipart framing adds a little to the file itself.
    upload_limits = {
        "/v1/datasets": settings.datasets.max_upload_bytes + 64 * 1024,
        "/v1/image-datasets/upload": settings.images.max_upload_bytes + 64 * 1024,
        "/v1/videos": settings.video.max_image_bytes + 64 * 1024,
        "/v1/music-videos": settings.video.max_audio_bytes + 64 * 1024,
    }

    def body_limit(scope: Scope) -> int:
        if scope.get("method") == "POST":
            return upload_limits.get(scope.get("path", ""), max_body)
        return max_body

    app.add_middleware(
        RequestContextMiddleware,
        metrics=metrics,
        body_limit=body_limit,
        hsts_seconds=settings.server.hsts_seconds,
    )
    return app
