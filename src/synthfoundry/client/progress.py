"""A job's progress as a rich bar on stderr."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from synthfoundry.client.schemas import Job


class ProgressBar:
    def __init__(self, job_id: str) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr),
            transient=False,
        )
        self.task = self.progress.add_task(f"job {job_id[:8]}", total=1.0)
        self.progress.start()

    def update(self, job: Job) -> None:
        progress = job.get("progress") or {}
        stage = progress.get("stage") or job["status"]
        fraction = 1.0 if job["status"] == "succeeded" else float(progress.get("fraction") or 0)
        self.progress.update(self.task, completed=fraction, description=f"{stage:<10}")

    def close(self) -> None:
        self.progress.stop()
