"""Durable jobs: the state machine, the runner, progress events, and the backends that run them."""

from synthfoundry.packages import Package

PACKAGE = Package(
    name="jobs",
    models=("synthfoundry.jobs.models",),
    job_kinds=("synthfoundry.jobs.diagnostics",),
    routers=("synthfoundry.api.v1.jobs:router", "synthfoundry.api.v1.job_events:router"),
)
