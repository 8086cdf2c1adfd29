"""How a video job talks to the video library: a reporter per stage that writes progress and
checks for cancel and pause through the job, and each finished stage's files kept in storage
with its cost on the video row, so that a retry or a resume starts after them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from synthfoundry.jobs.context import JobContext
from synthfoundry.video.spec import Ledger
from synthfoundry.videos.models import Video


def stage_key(video: Video, name: str) -> str:
    return f"{video.folder}stages/{name}"


def input_key(video: Video, name: str) -> str:
    return f"{video.folder}input/{name}"


def output_key(video: Video, name: str) -> str:
    return f"{video.folder}{name}"


class StageReporter:
    def __init__(self, context: JobContext, stage: str, ledger: Ledger) -> None:
        self._context = context
        self._stage = stage
        self._ledger = ledger

    def progress(self, completed: float, total: float, message: str = "") -> None:
        self._context.progress(completed, total, unit="steps", message=message)

    def check(self) -> None:
        self._context.check()

    def cost(self, provider: str, item: str, usd: float) -> None:
        self._ledger.add(self._stage, provider, item, usd)
        self._context.log(f"{provider} charged ${usd:.4f} for {item}")

    def log(self, message: str) -> None:
        self._context.log(message)


class JobStages:
    """The ``StageHooks`` of a video job."""

    def __init__(self, context: JobContext, video: Video) -> None:
        self.context = context
        self.video = video
        self.ledger = Ledger()
        self._earlier_cost = dict(video.cost)  # what earlier attempts were charged

    @contextmanager
    def stage(self, name: str) -> Iterator[StageReporter]:
        try:
            with self.context.stage(name):
                yield StageReporter(self.context, name, self.ledger)
        finally:
            # What a provider charged counts even when its stage failed.
            self._save_costs()

    def finished(self, name: str, files: Sequence[Path]) -> None:
        """Keep the stage's files; a later attempt restores them and skips the stage."""
        for path in files:
            self.context.storage.put(stage_key(self.video, path.name), path.read_bytes())
        with self.context.database.unit_of_work(write=True) as session:
            video = session.get(Video, self.video.id)
            if video is not None and name not in video.stages_done:
                video.stages_done = [*video.stages_done, name]
                files_of = dict(video.details.get("stage_files", {}))
                files_of[name] = [path.name for path in files]
                video.details = {**video.details, "stage_files": files_of}
                self.video.details = video.details

    def restore(self, work: Path) -> list[str]:
        """Put the files of the stages an earlier attempt finished back into ``work``."""
        restored: list[str] = []
        for name in self.video.stages_done:
            for file in self.video.details.get("stage_files", {}).get(name, []):
                key = stage_key(self.video, file)
                if not self.context.storage.exists(key):
                    return restored  # a stage with a lost file runs again, and all after it
                (work / file).write_bytes(self.context.storage.get(key))
            restored.append(name)
        return restored

    def _save_costs(self) -> None:
        by_stage = self.ledger.by_stage()
        if not by_stage:
            return
        with self.context.database.unit_of_work(write=True) as session:
            video = session.get(Video, self.video.id)
            if video is not None:
                cost = dict(self._earlier_cost)
                for stage, usd in by_stage.items():
                    cost[stage] = round(cost.get(stage, 0.0) + usd, 6)
                video.cost = cost
                video.cost_usd = round(sum(cost.values()), 6)


def load_video(context: JobContext, video_id: uuid.UUID) -> Video:
    with context.database.unit_of_work() as session:
        video = session.get(Video, video_id)
        if video is None:
            raise RuntimeError(f"video {video_id} is gone")
        session.expunge_all()
    return video
