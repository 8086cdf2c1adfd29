from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from starlette.types import Scope

from synthfoundry import __version__
from synthfoundry.api import health, v1
from synthfoundry.api.docs import install_docs
from synthfoundry.api.metrics import HttpMetrics
from synthfoundry.api.middleware import RequestContextMiddleware
from synthfoundry.api.problems import COMMON_PROBLEM_RESPONSES, install_problem_handlers
from synthfoundry.api.state import AppState
from synthfoundry.config import Settings
from synthfoundry.db import Database, migrate
from synthfoundry.logging import configure_logging, get_logger
from synthfoundry.storage import BlobStore

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


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API application for ``settings`` (read from the environment if not given)."""
    settings = settings or Settings()
    configure_logging(settings.logging)
    metrics = HttpMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database.connect(settings.database_url, settings.database)
        try:
            _check_schema(database)
            storage = BlobStore.from_settings(settings.storage_url, settings.storage)
            app.state.synthfoundry = AppState(settings, database, storage, metrics)
            logger.info("started", database=database.backend, storage=storage.protocol)
            yield
        finally:
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
    app.include_router(health.router, responses=COMMON_PROBLEM_RESPONSES)
    for router in v1.routers:
        app.include_router(router, responses=COMMON_PROBLEM_RESPONSES)

    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.server.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    max_body = settings.server.max_body_bytes

    def body_limit(scope: Scope) -> int:
        return max_body

    app.add_middleware(RequestContextMiddleware, metrics=metrics, body_limit=body_limit)
    return app
