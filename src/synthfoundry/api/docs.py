"""API docs from local assets, so that they work offline and load nothing from a CDN: Swagger UI
at ``/docs`` (from a wheel) and ReDoc at ``/redoc`` (vendored in ``api/redoc``, see its
``VENDORED.md``). Both pages live under ``/docs-assets`` for the policy their scripts need."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

ASSETS_PATH = "/docs-assets"
REDOC_PATH = f"{ASSETS_PATH}/redoc"
REDOC_DIRECTORY = Path(__file__).parent / "redoc"


def install_docs(app: FastAPI) -> None:
    # Mounted first: the Swagger UI mount below would otherwise take its paths.
    app.mount(REDOC_PATH, StaticFiles(directory=REDOC_DIRECTORY, html=True), name="redoc-assets")
    app.mount(ASSETS_PATH, StaticFiles(directory=Path(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> RedirectResponse:
        """The original service's ReDoc page: this API's schema in ReDoc, served locally."""
        # Relative, so that it holds behind a proxy's path prefix (root_path) too.
        return RedirectResponse(f"{REDOC_PATH.lstrip('/')}/", status_code=307)
