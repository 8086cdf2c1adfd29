"""Generators: a synthesizer and its parameters bound to a dataset, trained and searched by jobs."""

from synthfoundry.packages import Package

PACKAGE = Package(
    name="generators",
    models=("synthfoundry.generators.models",),
    job_kinds=("synthfoundry.generators.jobs.train", "synthfoundry.generators.jobs.optimize"),
    routers=(
        "synthfoundry.api.v1.synthesizers:router",
        "synthfoundry.api.v1.generators:router",
    ),
)
