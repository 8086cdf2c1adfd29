"""Music videos: ``videos.character`` (a character reference image from text2image),
``videos.clip`` (one clip from a prompt and reference images) and ``videos.music`` (scenes,
character, clips, compositing with the music mixed under)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from PIL import Image

from synthfoundry import runtime
from synthfoundry.images.requests import ImageRequest
from synthfoundry.jobs.context import JobContext
from synthfoundry.jobs.kinds import Stage, register
from synthfoundry.video import ffmpeg
from synthfoundry.video.flavors import Flavor
from synthfoundry.video.music import MusicScene, character_prompt, plan_scenes
from synthfoundry.video.render import render_clip, still_motion_frames
from synthfoundry.video.spec import Aspect, ProductBrief, SceneClip, Script, ScriptScene
from synthfoundry.video.styles import get_style
from synthfoundry.videos.jobs import RendersVideo
from synthfoundry.videos.models import Video
from synthfoundry.videos.providers import scene_provider
from synthfoundry.videos.schemas import CharacterParams, ClipParams, MusicVideoParams
from synthfoundry.videos.stages import JobStages, StageReporter, input_key, load_video, output_key

CHARACTER_FILE = "character.png"
SCENES_FILE, CLIPS_FILE = "scenes.json", "clips.json"
MAX_TEMPLATE = 1000


def flavor_of(video: Video) -> Flavor:
    return Flavor.model_validate(video.details["flavor"], strict=False)


def draw_character(context: JobContext, flavor: Flavor, description: str, seed: int) -> Image.Image:
    """The character reference image from the flavor's model and prompts."""
    from synthfoundry.images.text2image import Text2Image  # torch: only where it is drawn

    model = Text2Image(model=flavor.image.model)
    model.load_pipeline()
    context.log(f"{flavor.image.model} ready on {model.device_used}")
    prompt = character_prompt(description, flavor).replace("{", "(").replace("}", ")")
    request = ImageRequest(
        labels=["character"],
        prompt_template=f"{prompt[: MAX_TEMPLATE - 12]}, {{label}}",
        negative_prompt=flavor.image.negative_prompt or None,
        seed=seed,
        width=flavor.image.width,
        height=flavor.image.height,
        steps=flavor.image.steps,
        guidance_scale=flavor.image.guidance_scale,
    )
    return next(iter(model.sample(request))).image


@register
class DrawCharacter(RendersVideo):
    name = "videos.character"
    stages: ClassVar[tuple[Stage, ...]] = (Stage("character", 0.9), Stage("package", 0.1))
    Params = CharacterParams

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, CharacterParams)
        video = load_video(context, params.video_id)
        with context.stage("character"):
            image = draw_character(
                context,
                flavor_of(video),
                video.request["character_description"],
                video.request.get("seed", 0),
            )
        with context.stage("package"), context.work_dir() as work:
            path = work / CHARACTER_FILE
            image.save(path, format="PNG")
            size = context.storage.put(output_key(video, CHARACTER_FILE), path.read_bytes())
        return {
            "video_id": str(video.id),
            "output_file": CHARACTER_FILE,
            "size_bytes": size,
            "seconds": None,
            "width": image.width,
            "height": image.height,
            "details": {"image_key": output_key(video, CHARACTER_FILE)},
        }


@register
class RenderClip(RendersVideo):
    name = "videos.clip"
    stages: ClassVar[tuple[Stage, ...]] = (Stage("clip", 0.85), Stage("package", 0.15))
    Params = ClipParams

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, ClipParams)
        video = load_video(context, params.video_id)
        flavor = flavor_of(video)
        request = video.request
        with context.work_dir() as work:
            references = _references(context, video.details.get("reference_keys", []), work)
            scene = MusicScene(1, request["prompt"], float(request["duration"]))
            hooks = JobStages(context, video)
            with hooks.stage("clip") as reporter:
                provider = request.get("provider", "local")
                clip = _clips(context, flavor, [scene], references, provider, work, reporter)[0]
            with hooks.stage("package") as reporter:
                out = work / "clip-final.mp4"
                _compose(flavor, [clip], out, music=None, reporter=reporter)
                return self._publish(context, video, out, clip.seconds / 2)


@register
class RenderMusicVideo(RendersVideo):
    name = "videos.music"
    stages: ClassVar[tuple[Stage, ...]] = (
        Stage("scenes", 0.02),
        Stage("character", 0.28),
        Stage("clips", 0.45),
        Stage("compositing", 0.25),
    )
    Params = MusicVideoParams

    def run(self, context: JobContext) -> dict[str, Any]:
        params = context.params
        assert isinstance(params, MusicVideoParams)
        video = load_video(context, params.video_id)
        flavor = flavor_of(video)
        request = video.request
        with context.work_dir() as work:
            hooks = JobStages(context, video)
            self._start(context, hooks, work)
            music = _music(context, video, work)
            scenes = self._scenes(context, hooks, flavor, request, music, work)
            character = self._character(context, hooks, flavor, request, work)
            clips = self._clips(context, hooks, flavor, scenes, character, request, work)
            out = work / "music-video.mp4"
            with hooks.stage("compositing") as reporter:
                _compose(flavor, clips, out, music=music, reporter=reporter)
            result = self._publish(context, video, out, clips[0].seconds / 2)
        result["details"] = {
            "scenes": [scene.__dict__ for scene in scenes],
            "character_key": output_key(video, CHARACTER_FILE),
        }
        return result

    def _scenes(
        self,
        context: JobContext,
        hooks: JobStages,
        flavor: Flavor,
        request: dict[str, Any],
        music: Path | None,
        work: Path,
    ) -> list[MusicScene]:
        path = work / SCENES_FILE
        if not path.exists():
            with hooks.stage("scenes"):
                total = ffmpeg.probe(music).duration if music is not None else None
                planned = plan_scenes(
                    request["concept"], request["num_scenes"], flavor, request["seed"], total
                )
                path.write_text(json.dumps([scene.__dict__ for scene in planned]))
            hooks.finished("scenes", [path])
        return [MusicScene(**scene) for scene in json.loads(path.read_text())]

    def _character(
        self,
        context: JobContext,
        hooks: JobStages,
        flavor: Flavor,
        request: dict[str, Any],
        work: Path,
    ) -> Image.Image:
        path = work / CHARACTER_FILE
        if not path.exists():
            with hooks.stage("character"):
                image = draw_character(
                    context, flavor, request["character_description"], request["seed"]
                )
                image.save(path, format="PNG")
            hooks.finished("character", [path])
        with Image.open(path) as image:
            return image.convert("RGB")

    def _clips(
        self,
        context: JobContext,
        hooks: JobStages,
        flavor: Flavor,
        scenes: list[MusicScene],
        character: Image.Image,
        request: dict[str, Any],
        work: Path,
    ) -> list[SceneClip]:
        path = work / CLIPS_FILE
        if not path.exists():
            with hooks.stage("clips") as reporter:
                clips = _clips(
                    context, flavor, scenes, [character], request["provider"], work, reporter
                )
            path.write_text(json.dumps([[clip.path.name, clip.seconds] for clip in clips]))
            hooks.finished("clips", [path, *(clip.path for clip in clips)])
        return [SceneClip(work / name, seconds) for name, seconds in json.loads(path.read_text())]


def _clips(
    context: JobContext,
    flavor: Flavor,
    scenes: list[MusicScene],
    references: list[Image.Image],
    provider: str,
    work: Path,
    reporter: StageReporter,
) -> list[SceneClip]:
    pipeline = flavor.pipeline
    size = pipeline.frame_size
    overlap = 0.0 if pipeline.transition == "cut" else pipeline.transition_seconds
    if provider == "http":
        brief = ProductBrief(
            product_name=scenes[0].prompt[:100],
            style=pipeline.style,
            cta_text="",
            aspect=Aspect(pipeline.aspect),
            short_side=pipeline.short_side,
            fps=pipeline.fps,
        )
        script = Script(
            title=flavor.name,
            scenes=tuple(
                ScriptScene("feature", "", scene.prompt, scene.prompt) for scene in scenes
            ),
        )
        timeline = [scene.duration for scene in scenes]
        return scene_provider("http", runtime.settings().video).render(
            brief, script, timeline, work, reporter
        )
    style = get_style(pipeline.style)
    reference = references[0] if references else None
    clips = []
    for index, scene in enumerate(scenes):
        reporter.check()
        motion = pipeline.motions[index % len(pipeline.motions)]
        seconds = scene.duration + (overlap if index < len(scenes) - 1 else 0.0)
        frames = still_motion_frames(
            reference, scene.prompt, style, size, pipeline.fps, seconds, motion
        )
        out = work / f"clip-{index:02d}.mp4"
        render_clip(frames, out, size, pipeline.fps)
        clips.append(SceneClip(out, scene.duration))
        reporter.progress(index + 1, len(scenes), f"clip {index + 1}/{len(scenes)}")
    return clips


def _compose(
    flavor: Flavor,
    clips: list[SceneClip],
    out: Path,
    *,
    music: Path | None,
    reporter: StageReporter,
) -> None:
    pipeline = flavor.pipeline
    ffmpeg.compose(
        clips,
        out,
        size=pipeline.frame_size,
        fps=pipeline.fps,
        transition=pipeline.transition,
        transition_seconds=pipeline.transition_seconds,
        voice=None,
        music=music,
        music_volume=pipeline.music_volume,
        progress=lambda done, total: reporter.progress(done, total, "seconds encoded"),
        check=reporter.check,
    )


def _music(context: JobContext, video: Video, work: Path) -> Path | None:
    name = video.details.get("music")
    if not name:
        return None
    path = work / f"input-{name}"
    if not path.exists():
        path.write_bytes(context.storage.get(input_key(video, name)))
    return path


def _references(context: JobContext, keys: list[str], work: Path) -> list[Image.Image]:
    images = []
    for index, key in enumerate(keys):
        path = work / f"reference-{index}.png"
        path.write_bytes(context.storage.get(key))
        with Image.open(path) as image:
            images.append(image.convert("RGB"))
    return images
