"""Videos: product videos (script, voice, scenes, compositing) and music videos (scenes, a
character reference image, clips, compositing with the music), with flavors as presets."""

from synthfoundry.packages import Package

PACKAGE = Package(
    name="videos",
    models=("synthfoundry.videos.models",),
    job_kinds=("synthfoundry.videos.jobs", "synthfoundry.videos.music_jobs"),
    routers=(
        "synthfoundry.api.v1.videos:router",
        "synthfoundry.api.v1.music_videos:router",
        "synthfoundry.api.v1.video_flavors:router",
    ),
)
