"""Version 1 of the REST API. Each router carries its full ``/v1/...`` prefix, so that the
route a request matched names its whole path template (metrics and logs label by it)."""

from fastapi import APIRouter

from synthfoundry.api.v1 import (
    about,
    api_keys,
    audit_events,
    auth,
    batch,
    datasets,
    generators,
    job_events,
    jobs,
    reports,
    stats,
    synthesizers,
    synthetic_datasets,
    users,
)

routers: list[APIRouter] = [
    about.router,
    auth.router,
    users.router,
    api_keys.router,
    audit_events.router,
    jobs.router,
    job_events.router,
    datasets.router,
    generators.router,
    synthesizers.router,
    synthetic_datasets.router,
    reports.router,
    stats.router,
    batch.router,
]

__all__ = ["routers"]
