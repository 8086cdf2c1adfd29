"""Monitoring: jobs by status and kind, queue depth, throughput, live connections, the API
host's CPU, memory and GPU, and the worker registry, for admins and for Prometheus."""

from synthfoundry.packages import Package

PACKAGE = Package(
    name="monitoring",
    # The workers table belongs to jobs/ (its dispatchers keep it); it joins the metadata here
    # because the jobs package does not list it.
    models=("synthfoundry.jobs.workers",),
    routers=("synthfoundry.api.v1.monitoring:router",),
)
