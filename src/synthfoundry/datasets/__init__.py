"""Datasets: uploaded tables, parsed and profiled, each owner seeing only their own."""

from synthfoundry.packages import Package

PACKAGE = Package(
    name="datasets",
    models=("synthfoundry.datasets.models",),
    job_kinds=("synthfoundry.datasets.jobs",),
    routers=("synthfoundry.api.v1.datasets:router",),
)
