"""The web UI's files as the API serves them: compressed, cached by ETag, under a strict CSP."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from synthfoundry.web.assets import load_assets, shipped_bytes

BUDGET_COMPRESSED_BYTES = 300 * 1024


def test_the_page_is_served_at_the_root_under_a_policy_without_inline_scripts(
    client: TestClient,
) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", response.text, flags=re.S)
    assert scripts and all(not body.strip() for body in scripts), "no inline script"
    assert "style=" not in response.text


def test_files_are_compressed_and_revalidated_by_etag(client: TestClient) -> None:
    first = client.get("/ui/app.js", headers={"accept-encoding": "gzip"})
    assert first.status_code == 200
    assert first.headers["content-encoding"] == "gzip"
    assert first.headers["content-type"].startswith("text/javascript")
    again = client.get("/ui/app.js", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content
    assert client.get("/ui/nope.js").status_code == 404
    assert client.get("/ui/../api/app.py").status_code == 404


def test_every_page_the_router_names_is_shipped_and_the_ui_fits_its_budget() -> None:
    assets = load_assets()
    router = assets["app.js"].body.decode()
    modules = re.findall(r'module: "\./(pages/[a-z_]+\.js)"', router)
    assert len(modules) >= 10
    assert all(module in assets for module in modules), set(modules) - set(assets)
    _, compressed = shipped_bytes(assets)
    assert compressed < BUDGET_COMPRESSED_BYTES


def test_the_ui_never_writes_html_from_strings() -> None:
    for name, asset in load_assets().items():
        if name.endswith(".js"):
            source = asset.body.decode()
            for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
                assert sink not in source.replace('"innerHTML"', "").replace('"outerHTML"', ""), (
                    f"{name} uses {sink}"
                )


def test_the_account_page_offers_exactly_the_scopes_the_server_knows() -> None:
    from synthfoundry.accounts.scopes import RESOURCES

    source = load_assets()["pages/account.js"].body.decode()
    listed = re.search(r"const RESOURCES = \[(.*?)\];", source, flags=re.S)
    assert listed is not None
    assert tuple(re.findall(r'\["([a-z-]+)",', listed.group(1))) == RESOURCES
