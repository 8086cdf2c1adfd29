"""Synthetic datasets: rows generated from a trained generator by a job."""

from synthfoundry.packages import Package

PACKAGE = Package(
    name="synthetic_datasets",
    models=("synthfoundry.synthetic_datasets.models",),
    job_kinds=("synthfoundry.synthetic_datasets.jobs",),
    routers=("synthfoundry.api.v1.synthetic_datasets:router",),
)
