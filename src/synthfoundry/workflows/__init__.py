"""Workflows: saved, versioned configurations of platform steps (ingest, train, generate,
evaluate, test, export), run as a parent job with a child job per step."""

from synthfoundry.packages import Package

PACKAGE = Package(
    name="workflows",
    models=("synthfoundry.workflows.models",),
    job_kinds=("synthfoundry.workflows.jobs",),
    routers=(
        "synthfoundry.api.v1.workflows:router",
        "synthfoundry.api.v1.workflows:configs_router",
        "synthfoundry.api.v1.workflows:monitoring_router",
    ),
)
