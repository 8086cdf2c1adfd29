"""The one progress callback shape, used by library calls, CLI bars, job rows and WebSockets."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(
        self,
        stage: str,
        completed: float,
        total: float | None,
        unit: str = "steps",
        message: str = "",
    ) -> None: ...


def silent(
    stage: str, completed: float, total: float | None, unit: str = "steps", message: str = ""
) -> None:
    """A progress callback that reports nothing."""
