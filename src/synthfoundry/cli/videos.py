"""``synthfoundry videos|music-videos|flavors ...``: videos on a server, through the client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from synthfoundry.cli.common import fail
from synthfoundry.cli.remote import (
    ApiKey,
    BaseUrl,
    Output,
    OutputOption,
    Wait,
    connected,
    save_download,
    show,
)

videos_app = typer.Typer(
    help="Product videos: a name, a style, a call to action and an optional image.",
    no_args_is_help=True,
)
music_app = typer.Typer(
    help="Music videos: scenes, character references, clips and whole videos.",
    no_args_is_help=True,
)
flavors_app = typer.Typer(help="Music-video flavors (YAML presets).", no_args_is_help=True)

COLUMNS = ("id", "kind", "title", "status", "progress", "seconds", "cost_usd", "error_message")
ACCEPTED = ("id", "job_id", "status")
VideoOut = Annotated[
    Path | None, typer.Option("-o", "--out", help="wait, then download the MP4 here")
]
Flavor = Annotated[str | None, typer.Option("--flavor", help="a flavor's name")]


@videos_app.command("create")
def create_video(
    name: Annotated[str, typer.Option("--name", help="the product's name (1-100 characters)")],
    cta: Annotated[str, typer.Option("--cta", help="the call to action (1-50 characters)")],
    style: Annotated[str, typer.Option(help="modern, minimal, bold, playful, luxury")] = "modern",
    image: Annotated[Path | None, typer.Option("--image", help="JPEG, PNG or WebP")] = None,
    aspect: Annotated[str | None, typer.Option(help="16:9, 9:16 or 1:1")] = None,
    voice: Annotated[str | None, typer.Option(help="the voice provider's voice")] = None,
    script_provider: Annotated[str, typer.Option("--script", help="local or openai")] = "local",
    voice_provider: Annotated[
        str, typer.Option("--voice-provider", help="local, openai or silent")
    ] = "local",
    video_provider: Annotated[str, typer.Option("--video", help="local or http")] = "local",
    flavor: Flavor = None,
    resolution: Annotated[int | None, typer.Option(help="short side in pixels")] = None,
    fps: Annotated[int | None, typer.Option()] = None,
    duration: Annotated[float | None, typer.Option(help="seconds; default: the voice's")] = None,
    seed: Annotated[int, typer.Option()] = 0,
    out: VideoOut = None,
    wait: Wait = False,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Render a product video (with --wait or -o, follow it to the end)."""
    if image is not None and not image.is_file():
        raise fail(f"--image {image}: no such file", code=2)
    waiting = wait or out is not None
    with connected(base_url, api_key) as client:
        made = client.videos.create(
            name,
            cta,
            style=style,
            image=image,
            aspect=aspect,
            voice=voice,
            providers={"script": script_provider, "voice": voice_provider, "video": video_provider},
            flavor=flavor,
            resolution=resolution,
            fps=fps,
            duration_seconds=duration,
            seed=seed,
            wait=waiting,
            progress_bar=waiting,
            output=out,
        )
        show(made, output, COLUMNS if waiting else ACCEPTED)


def _common_commands(app: typer.Typer, attribute: str, what: str) -> None:
    """list, get, download, thumbnail, cancel, retry and delete, the same for both kinds."""

    @app.command("list")
    def list_videos(
        status: Annotated[str | None, typer.Option(help="only this status")] = None,
        base_url: BaseUrl = None,
        api_key: ApiKey = None,
        output: OutputOption = Output.TABLE,
    ) -> None:
        with connected(base_url, api_key) as client:
            show(getattr(client, attribute).list(status=status), output, COLUMNS)

    list_videos.__doc__ = f"Your {what}, newest first."

    @app.command("get")
    def get_video(
        video_id: str,
        base_url: BaseUrl = None,
        api_key: ApiKey = None,
        output: OutputOption = Output.TABLE,
    ) -> None:
        """One video: status, stages, cost."""
        with connected(base_url, api_key) as client:
            found = getattr(client, attribute).get(video_id)
        if output == Output.JSON:
            show(found, output)
            return
        show(found, output, COLUMNS)
        stages = found.get("stages", [])
        show(stages, output, ("name", "status", "progress", "cost_usd", "error"))

    @app.command("download")
    def download_video(
        video_id: str,
        out: Annotated[
            Path | None, typer.Option("-o", "--out", help="file; default: stdout")
        ] = None,
        base_url: BaseUrl = None,
        api_key: ApiKey = None,
    ) -> None:
        """Download the MP4 (a character reference: its PNG)."""
        with connected(base_url, api_key) as client:
            resource = getattr(client, attribute)
            save_download(lambda target: resource.download(video_id, target), out)

    @app.command("cancel")
    def cancel_video(
        video_id: str,
        base_url: BaseUrl = None,
        api_key: ApiKey = None,
        output: OutputOption = Output.TABLE,
    ) -> None:
        """Cancel the render (finished stages stay for a retry)."""
        with connected(base_url, api_key) as client:
            show(getattr(client, attribute).cancel(video_id), output, ("id", "kind", "status"))

    @app.command("retry")
    def retry_video(
        video_id: str,
        wait: Wait = False,
        base_url: BaseUrl = None,
        api_key: ApiKey = None,
        output: OutputOption = Output.TABLE,
    ) -> None:
        """Run a failed or cancelled video again, after the stages it finished."""
        with connected(base_url, api_key) as client:
            resource = getattr(client, attribute)
            accepted = resource.retry(video_id)
            found = resource.wait(accepted["id"], progress_bar=True) if wait else accepted
            show(found, output, COLUMNS if wait else ACCEPTED)

    @app.command("delete")
    def delete_video(video_id: str, base_url: BaseUrl = None, api_key: ApiKey = None) -> None:
        """Delete it and its files."""
        with connected(base_url, api_key) as client:
            getattr(client, attribute).delete(video_id)

    del list_videos, get_video, download_video, cancel_video, retry_video, delete_video


_common_commands(videos_app, "videos", "product videos")
_common_commands(music_app, "music_videos", "music videos, clips and character references")


@music_app.command("scenes")
def plan_scenes(
    concept: str,
    num_scenes: Annotated[int, typer.Option("--scenes")] = 4,
    flavor: Flavor = None,
    seed: Annotated[int, typer.Option()] = 0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Plan scenes for a concept (prompt and duration of each)."""
    with connected(base_url, api_key) as client:
        scenes = client.music_videos.scenes(concept, num_scenes, flavor=flavor, seed=seed)
        show(scenes, output, ("sequence", "duration", "prompt"))


@music_app.command("character")
def character(
    description: str,
    flavor: Flavor = None,
    seed: Annotated[int, typer.Option()] = 0,
    wait: Wait = False,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Draw a character reference image (its key is in `get`'s details.image_key)."""
    with connected(base_url, api_key) as client:
        made = client.music_videos.character_reference(
            description, flavor=flavor, seed=seed, wait=wait, progress_bar=wait
        )
        show(made, output, COLUMNS if wait else ACCEPTED)


@music_app.command("clip")
def clip(
    prompt: str,
    duration: Annotated[float, typer.Option()] = 4.0,
    reference: Annotated[
        list[str] | None, typer.Option("--reference", help="a character's image key; repeatable")
    ] = None,
    flavor: Flavor = None,
    provider: Annotated[str, typer.Option(help="local or http")] = "local",
    out: VideoOut = None,
    wait: Wait = False,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Render one clip from a prompt and character references."""
    waiting = wait or out is not None
    with connected(base_url, api_key) as client:
        made = client.music_videos.clip(
            prompt,
            duration=duration,
            reference_image_keys=reference,
            flavor=flavor,
            provider=provider,
            wait=waiting,
            progress_bar=waiting,
            output=out,
        )
        show(made, output, COLUMNS if waiting else ACCEPTED)


@music_app.command("create")
def create_music_video(
    concept: Annotated[str, typer.Option("--concept")],
    character_description: Annotated[str, typer.Option("--character")],
    num_scenes: Annotated[int, typer.Option("--scenes")] = 4,
    audio: Annotated[Path | None, typer.Option("--audio", help="the music")] = None,
    flavor: Flavor = None,
    provider: Annotated[str, typer.Option(help="local or http")] = "local",
    seed: Annotated[int, typer.Option()] = 0,
    out: VideoOut = None,
    wait: Wait = False,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """A whole music video: scenes, character, clips, compositing with the music."""
    if audio is not None and not audio.is_file():
        raise fail(f"--audio {audio}: no such file", code=2)
    waiting = wait or out is not None
    with connected(base_url, api_key) as client:
        made = client.music_videos.create(
            concept,
            character_description,
            num_scenes=num_scenes,
            audio=audio,
            flavor=flavor,
            provider=provider,
            seed=seed,
            wait=waiting,
            progress_bar=waiting,
            output=out,
        )
        show(made, output, COLUMNS if waiting else ACCEPTED)


@flavors_app.command("list")
def list_flavors(
    base_url: BaseUrl = None, api_key: ApiKey = None, output: OutputOption = Output.TABLE
) -> None:
    """The shipped flavors and yours."""
    with connected(base_url, api_key) as client:
        found = client.flavors.list()
    show(found["flavors"], output, ("name", "builtin", "description"))


@flavors_app.command("get")
def get_flavor(name: str, base_url: BaseUrl = None, api_key: ApiKey = None) -> None:
    """A flavor as YAML."""
    with connected(base_url, api_key) as client:
        typer.echo(client.flavors.get(name)["yaml"], nl=False)


@flavors_app.command("validate")
def validate_flavor(
    file: Path,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Check a flavor file; exit 1 listing each error with its path."""
    text = _read(file)
    with connected(base_url, api_key) as client:
        result = client.flavors.validate(text)
    if output == Output.JSON:
        typer.echo(json.dumps(result, indent=2))
    elif result["valid"]:
        typer.echo(f"{file}: valid flavor {result['name']!r}")
    else:
        for error in result["errors"]:
            typer.echo(f"{file}: {error['path'] or '(document)'}: {error['message']}", err=True)
    if not result["valid"]:
        raise typer.Exit(1)


@flavors_app.command("create")
def create_flavor(
    file: Path,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Keep a flavor of your own from a YAML file."""
    with connected(base_url, api_key) as client:
        show(client.flavors.create(_read(file)), output, ("name", "builtin", "description"))


@flavors_app.command("delete")
def delete_flavor(name: str, base_url: BaseUrl = None, api_key: ApiKey = None) -> None:
    """Delete a flavor of yours."""
    with connected(base_url, api_key) as client:
        client.flavors.delete(name)


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{file}: {exc}", code=2) from None
