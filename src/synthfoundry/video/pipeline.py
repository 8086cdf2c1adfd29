"""A product video in four stages: script_gen -> voice_gen -> video_gen -> compositing.

Each stage leaves its output in the work folder (``script.json``, ``voice.json`` + audio,
``scenes.json`` + clips); a stage whose output is already there is skipped, so a retried or
resumed job picks up after the last stage that finished."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from synthfoundry.video import ffmpeg
from synthfoundry.video.spec import (
    Caption,
    ProductBrief,
    Reporter,
    SceneClip,
    SceneProvider,
    Script,
    ScriptScene,
    ScriptWriter,
    VoiceOver,
    VoiceProvider,
)
from synthfoundry.video.styles import get_style
from synthfoundry.video.voice import fit

STAGES = ("script_gen", "voice_gen", "video_gen", "compositing")
SCRIPT_FILE, VOICE_FILE, SCENES_FILE = "script.json", "voice.json", "scenes.json"
OUTPUT_FILE = "video.mp4"


class StageHooks(Protocol):
    """How a pipeline reports: one reporter per stage, and each stage's files once it is done
    (a job stores them so that a retry starts after them)."""

    def stage(self, name: str) -> AbstractContextManager[Reporter]: ...

    def finished(self, name: str, files: Sequence[Path]) -> None: ...


@dataclass(frozen=True)
class ProductProviders:
    script: ScriptWriter
    voice: VoiceProvider
    scenes: SceneProvider


@dataclass(frozen=True)
class ProductVideo:
    path: Path
    seconds: float
    size: tuple[int, int]
    fps: int
    script: Script
    timeline: tuple[float, ...]
    silent_reason: str | None


def render_product_video(
    brief: ProductBrief, providers: ProductProviders, work: Path, hooks: StageHooks
) -> ProductVideo:
    style = get_style(brief.style)
    script = _script_stage(brief, providers.script, work, hooks)
    voice = _voice_stage(brief, script, providers.voice, work, hooks)
    clips = _video_stage(brief, script, voice, providers.scenes, work, hooks)
    out = work / OUTPUT_FILE
    with hooks.stage("compositing") as reporter:
        captions = _captions(script, voice) if voice.audio is None else []
        ffmpeg.compose(
            clips,
            out,
            size=brief.size,
            fps=brief.fps,
            transition=style.transition,
            transition_seconds=style.transition_seconds,
            voice=voice.audio,
            captions=captions,
            caption_style=(style.text, style.background[0]),
            progress=_progress_of(reporter),
            check=reporter.check,
        )
    hooks.finished("compositing", [out])
    return ProductVideo(
        path=out,
        seconds=round(voice.seconds, 3),
        size=brief.size,
        fps=brief.fps,
        script=script,
        timeline=voice.segments,
        silent_reason=voice.silent_reason,
    )


def _script_stage(
    brief: ProductBrief, writer: ScriptWriter, work: Path, hooks: StageHooks
) -> Script:
    path = work / SCRIPT_FILE
    if path.exists():
        return script_from_json(json.loads(path.read_text()))
    with hooks.stage("script_gen") as reporter:
        script = writer.write(brief, reporter)
    path.write_text(json.dumps(asdict(script)))
    hooks.finished("script_gen", [path])
    return script


def _voice_stage(
    brief: ProductBrief, script: Script, provider: VoiceProvider, work: Path, hooks: StageHooks
) -> VoiceOver:
    path = work / VOICE_FILE
    if path.exists():
        saved = json.loads(path.read_text())
        audio = work / saved["audio"] if saved["audio"] else None
        return VoiceOver(audio, tuple(saved["segments"]), saved["silent_reason"])
    with hooks.stage("voice_gen") as reporter:
        voice = provider.speak(script.narration, brief, work, reporter)
    if brief.duration_seconds is not None and voice.segments:
        # A voice that could not speak fast enough is cut at the end; the scenes fit exactly.
        segments = tuple(fit(voice.segments, brief.duration_seconds))
        voice = VoiceOver(voice.audio, segments, voice.silent_reason)
    saved = {
        "audio": voice.audio.name if voice.audio else None,
        "segments": list(voice.segments),
        "silent_reason": voice.silent_reason,
    }
    path.write_text(json.dumps(saved))
    hooks.finished("voice_gen", [path, *([voice.audio] if voice.audio else [])])
    return voice


def _video_stage(
    brief: ProductBrief,
    script: Script,
    voice: VoiceOver,
    provider: SceneProvider,
    work: Path,
    hooks: StageHooks,
) -> list[SceneClip]:
    path = work / SCENES_FILE
    if path.exists():
        saved = json.loads(path.read_text())
        return [SceneClip(work / clip["file"], clip["seconds"]) for clip in saved]
    with hooks.stage("video_gen") as reporter:
        clips = provider.render(brief, script, voice.segments, work, reporter)
    path.write_text(
        json.dumps([{"file": clip.path.name, "seconds": clip.seconds} for clip in clips])
    )
    hooks.finished("video_gen", [path, *(clip.path for clip in clips)])
    return clips


def script_from_json(data: dict[str, object]) -> Script:
    scenes = data["scenes"]
    assert isinstance(scenes, list)
    return Script(
        title=str(data["title"]),
        scenes=tuple(ScriptScene(**scene) for scene in scenes),
    )


def _captions(script: Script, voice: VoiceOver) -> list[Caption]:
    captions, start = [], 0.0
    for scene, seconds in zip(script.scenes, voice.segments, strict=True):
        if scene.kind != "cta":  # the end card already shows its words
            captions.append(Caption(scene.narration, round(start, 3), seconds))
        start += seconds
    return captions


def _progress_of(reporter: Reporter) -> Callable[[float, float], None]:
    def report(completed: float, total: float) -> None:
        reporter.progress(round(completed, 2), round(total, 2), "seconds encoded")

    return report
