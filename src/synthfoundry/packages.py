"""Packages that plug into the platform: each declares, in one place, the modules that define its
ORM rows and job kinds and its API routers, and is found through the entry-point group
``synthfoundry.packages`` (built-in packages exactly like third-party ones). Models join through
the group ``synthfoundry.synthesizers`` (see ``synthesizers.registry``)."""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

ENTRY_POINT_GROUP = "synthfoundry.packages"
SYNTHESIZERS = "synthfoundry.synthesizers"


@dataclass(frozen=True)
class Package:
    name: str
    models: tuple[str, ...] = ()
    """Modules that define ORM rows (imported before any table is used, and by migrations)."""
    job_kinds: tuple[str, ...] = ()
    """Modules that register job kinds (imported by every worker process)."""
    routers: tuple[str, ...] = ()
    """``module:attribute`` of each FastAPI router (mounted by the API in this order)."""
    preload: tuple[str, ...] = ()
    """Slow imports its jobs need (a model library), made once in the local backend's fork
    server so that every job process starts with them; a missing one is skipped."""


@functools.cache
def installed() -> tuple[Package, ...]:
    """Every package found in the entry-point group, sorted by name for a stable order."""
    found: list[Package] = []
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        package = entry_point.load()
        if not isinstance(package, Package):
            raise TypeError(f"entry point {entry_point.name} is not a synthfoundry Package")
        found.append(package)
    return tuple(sorted(found, key=lambda package: package.name))


def import_models() -> None:
    for package in installed():
        for module in package.models:
            importlib.import_module(module)


def import_job_kinds() -> None:
    for package in installed():
        for module in package.job_kinds:
            importlib.import_module(module)


def job_kind_modules() -> list[str]:
    return [module for package in installed() for module in package.job_kinds]


def preload_modules() -> list[str]:
    return [module for package in installed() for module in package.preload]


def synthesizer_modules() -> list[str]:
    """The modules of every model in the entry-point group (without importing them)."""
    return sorted({entry_point.module for entry_point in entry_points(group=SYNTHESIZERS)})


def load_routers() -> list[Any]:
    routers = []
    for package in installed():
        for reference in package.routers:
            module, _, attribute = reference.partition(":")
            routers.append(getattr(importlib.import_module(module), attribute))
    return routers
