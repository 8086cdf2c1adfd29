"""Reports: a synthetic dataset judged against real rows and a holdout by a job."""

from synthfoundry.packages import Package

PACKAGE = Package(
    name="reports",
    models=("synthfoundry.reports.models",),
    job_kinds=("synthfoundry.reports.jobs",),
    routers=("synthfoundry.api.v1.reports:router",),
)
