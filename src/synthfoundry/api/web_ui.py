"""The web UI at ``/`` (its files under ``/ui/``, from ``synthfoundry.web``) and the browser's
cookie session routes."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response

from synthfoundry.api.problems import COMMON_PROBLEM_RESPONSES
from synthfoundry.api.v1 import browser_session
from synthfoundry.errors import NotFound
from synthfoundry.web.assets import Asset, load_assets

UI_PREFIX = "/ui/"
INDEX = "index.html"


def _serve(request: Request, asset: Asset) -> Response:
    headers = {"etag": asset.etag, "cache-control": "no-cache", "vary": "accept-encoding"}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    body = asset.body
    if asset.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        body, headers["content-encoding"] = asset.gzipped, "gzip"
    return Response(body, media_type=asset.media_type, headers=headers)


def install_web(app: FastAPI) -> None:
    """Serve the UI at ``/`` (its files under ``/ui/``) and the browser session routes."""
    assets = load_assets()
    app.include_router(browser_session.router, responses=COMMON_PROBLEM_RESPONSES)

    @app.get("/", include_in_schema=False)
    def web_index(request: Request) -> Response:
        return _serve(request, assets[INDEX])

    @app.get(UI_PREFIX + "{path:path}", include_in_schema=False)
    def web_asset(request: Request, path: str) -> Response:
        asset = assets.get(path)
        if asset is None:
            raise NotFound(f"the web UI has no file {path!r}")
        return _serve(request, asset)
