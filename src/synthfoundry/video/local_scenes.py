"""The local scene provider: every scene drawn with Pillow and encoded by ffmpeg on this machine,
in worker processes when there are cores to spare."""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from synthfoundry.video.render import ZOOM, frame_count, render_clip, render_scene_frames
from synthfoundry.video.spec import (
    ProductBrief,
    ProviderError,
    Reporter,
    SceneClip,
    Script,
    ScriptScene,
    VideoStopped,
)
from synthfoundry.video.styles import Motion, Style, get_style

ImageMaker = Callable[[str], Image.Image | None]
CHECK_EVERY = 6  # frames between stop checks and progress messages from a worker
WAIT_SECONDS = 0.2
# Below about three seconds of 1080p frames, starting worker processes costs more than it saves.
PARALLEL_MIN_PIXELS = 150_000_000


def default_workers(scenes: int) -> int:
    """Scene processes for this machine: one per two usable cores (each worker's ffmpeg encodes
    while it draws), at most one per scene."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min((cores or 1) // 2, scenes))


def load_image(path: Path, max_side: int) -> Image.Image:
    """An image file upright (EXIF orientation applied), no larger than ``max_side`` on its long
    side, RGB, or RGBA when it has transparency."""
    try:
        with Image.open(path) as opened:
            opened.draft("RGB", (max_side, max_side))  # JPEG: decode at a reduced scale
            image = ImageOps.exif_transpose(opened)
            image.load()
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ProviderError("local", "the product image could not be read") from exc
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if transparent else "RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return image


@dataclass(frozen=True)
class _SceneJob:
    index: int
    scene: ScriptScene
    style: Style
    size: tuple[int, int]
    fps: int
    seconds: float  # of the clip: the scene's share plus the next transition
    motion: Motion
    image: Image.Image | None
    title: str
    path: Path

    @property
    def frames(self) -> int:
        return frame_count(self.seconds, self.fps)

    def render(self, on_frame: Callable[[int], None]) -> int:
        frames = render_scene_frames(
            self.scene, self.style, self.size, self.fps, self.seconds, self.motion, self.image,
            self.title,
        )  # fmt: skip
        return render_clip(frames, self.path, self.size, self.fps, on_frame=on_frame)


class LocalScenes:
    """Renders each script scene to ``work/scene-XX.mp4``: the product image (or, without one,
    a picture from ``image_maker``, or a title card) in the style's motion, and the end card.
    ``workers``: processes to render scenes in (default: ``default_workers``, or just this
    process for short, small videos)."""

    name = "local"

    def __init__(
        self, *, workers: int | None = None, image_maker: ImageMaker | None = None
    ) -> None:
        self.workers = workers
        self.image_maker = image_maker

    def render(
        self,
        brief: ProductBrief,
        script: Script,
        timeline: Sequence[float],
        work: Path,
        reporter: Reporter,
    ) -> list[SceneClip]:
        if len(timeline) != len(script.scenes):
            raise ValueError(f"{len(timeline)} timings for {len(script.scenes)} scenes")
        jobs = self._jobs(brief, script, timeline, work, reporter)
        workers = self.workers
        if workers is None:
            pixels = sum(job.frames for job in jobs) * brief.size[0] * brief.size[1]
            workers = 1 if pixels < PARALLEL_MIN_PIXELS else default_workers(len(jobs))
        if workers <= 1 or len(jobs) == 1:
            _render_here(jobs, reporter)
        else:
            _render_in_workers(jobs, min(workers, len(jobs)), reporter)
        return [SceneClip(job.path, seconds) for job, seconds in zip(jobs, timeline, strict=True)]

    def _jobs(
        self,
        brief: ProductBrief,
        script: Script,
        timeline: Sequence[float],
        work: Path,
        reporter: Reporter,
    ) -> list[_SceneJob]:
        style = get_style(brief.style)
        size = brief.size
        largest = round(max(size) * ZOOM)  # no picture is ever drawn larger
        product = None
        if brief.product_image is not None:
            product = load_image(brief.product_image, largest)
        overlap = 0.0 if style.transition == "cut" else style.transition_seconds
        jobs = []
        for index, (scene, seconds) in enumerate(zip(script.scenes, timeline, strict=True)):
            reporter.check()
            image = product
            if image is None and self.image_maker is not None and scene.kind != "cta":
                image = self.image_maker(scene.visual)
                if image is not None and max(image.size) > largest:
                    image = ImageOps.contain(image, (largest, largest))
            last = index == len(script.scenes) - 1
            jobs.append(
                _SceneJob(
                    index=index,
                    scene=scene,
                    style=style,
                    size=size,
                    fps=brief.fps,
                    seconds=seconds + (0.0 if last else overlap),
                    motion=style.motions[index % len(style.motions)],
                    image=image,
                    title=script.title,
                    path=work / f"scene-{index:02d}.mp4",
                )
            )
        return jobs


def _encode_failed(job: _SceneJob, exc: Exception) -> ProviderError:
    return ProviderError("local", f"scene {job.index + 1} could not be encoded ({exc})")


def _render_here(jobs: Sequence[_SceneJob], reporter: Reporter) -> None:
    total = sum(job.frames for job in jobs)
    done = 0
    for job in jobs:
        message = f"scene {job.index + 1}/{len(jobs)}"

        def on_frame(frames: int, start: int = done, message: str = message) -> None:
            reporter.progress(start + frames, total, message)
            if frames % CHECK_EVERY == 0:
                reporter.check()

        reporter.check()
        try:
            done += job.render(on_frame)
        except RuntimeError as exc:
            raise _encode_failed(job, exc) from exc


# Set in each worker process by _start_worker.
_progress: Queue[tuple[int, int]] | None = None
_stop: Event | None = None


def _start_worker(progress: Queue[tuple[int, int]], stop: Event) -> None:
    global _progress, _stop
    _progress, _stop = progress, stop


def _render_in_worker(job: _SceneJob) -> int:
    def on_frame(frames: int) -> None:
        if frames % CHECK_EVERY == 0 or frames == job.frames:
            if _progress is not None:
                _progress.put((job.index, frames))
            if _stop is not None and _stop.is_set():
                raise VideoStopped("stop requested")

    return job.render(on_frame)


def _render_in_workers(jobs: Sequence[_SceneJob], workers: int, reporter: Reporter) -> None:
    # spawn, not the shared fork server: that one may be busy preloading torch for image jobs.
    context = multiprocessing.get_context("spawn")
    progress: Queue[tuple[int, int]] = context.Queue()
    stop = context.Event()
    total = sum(job.frames for job in jobs)
    done = [0] * len(jobs)
    latest = 0
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(progress, stop)
    ) as pool:
        futures: dict[Future[int], _SceneJob] = {
            pool.submit(_render_in_worker, job): job for job in jobs
        }
        try:
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, timeout=WAIT_SECONDS, return_when=FIRST_EXCEPTION)
                for future in finished:
                    job = futures[future]
                    try:
                        done[job.index] = future.result()
                    except RuntimeError as exc:
                        raise _encode_failed(job, exc) from exc
                latest = _drain(progress, done, latest)
                reporter.progress(sum(done), total, f"scene {latest + 1}/{len(jobs)}")
                reporter.check()
        except BaseException:
            # The workers see the event within a few frames and remove their partial files.
            stop.set()
            for future in futures:
                future.cancel()
            raise
        finally:
            progress.close()


def _drain(progress: Queue[tuple[int, int]], done: list[int], latest: int) -> int:
    """Fold the workers' frame counts into ``done``; returns the scene heard from last."""
    while True:
        try:
            index, frames = progress.get_nowait()
        except queue.Empty:
            return latest
        done[index] = max(done[index], frames)
        latest = index
