"""Scopes: ``resource:verb``. ``write`` implies ``read`` on the same resource; ``admin`` implies
everything. Users signed in with a password hold every scope their role allows; an API key
holds the scopes it was created with, never more than its owner."""

from __future__ import annotations

ADMIN = "admin"

RESOURCES = (
    "datasets",
    "generators",
    "synthetic-datasets",
    "reports",
    "image-datasets",
    "videos",
    "jobs",
    "workflows",
    "api-keys",
    "users",
)

SCOPES: dict[str, str] = {
    **{f"{resource}:read": f"Read {resource}" for resource in RESOURCES},
    **{f"{resource}:write": f"Create, change and delete {resource}" for resource in RESOURCES},
    ADMIN: "Administer users, all owners' resources and the audit log",
}
"""Every scope with its description (shown in OpenAPI)."""

USER_SCOPES = frozenset(scope for scope in SCOPES if scope != ADMIN)


def scopes_for_role(is_admin: bool) -> frozenset[str]:
    return USER_SCOPES | {ADMIN} if is_admin else USER_SCOPES


def grants(held: frozenset[str], needed: str) -> bool:
    if ADMIN in held or needed in held:
        return True
    resource, _, verb = needed.partition(":")
    return verb == "read" and f"{resource}:write" in held


def unknown_scopes(requested: list[str]) -> list[str]:
    return [scope for scope in requested if scope not in SCOPES]
