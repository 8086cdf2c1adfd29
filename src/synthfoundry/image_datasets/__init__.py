"""Image datasets: labelled images made by a text-to-image model, expanded by augmentation or
uploaded as an ImageFolder ZIP; previews, paged images and a ZIP download."""

from synthfoundry.packages import Package

PACKAGE = Package(
    name="image_datasets",
    models=("synthfoundry.image_datasets.models",),
    job_kinds=("synthfoundry.image_datasets.jobs", "synthfoundry.image_datasets.collect_job"),
    routers=("synthfoundry.api.v1.image_datasets:router",),
    # Importing diffusers' pipelines takes ~10 s: once in the fork server, not in each worker.
    preload=("diffusers.pipelines.auto_pipeline",),
)
