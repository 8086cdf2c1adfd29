"""Batches: several train and generate operations as one parent job with a child job each."""

from synthfoundry.packages import Package

PACKAGE = Package(
    name="batch",
    job_kinds=("synthfoundry.batch.jobs",),
    routers=("synthfoundry.api.v1.batch:router",),
)
