"""What a fit says of itself once it is done: how long it took and, for models trained by
gradient steps, the loss of each epoch, kept small enough for a job's result and a model file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

MAX_CURVE_POINTS = 200
"""Epochs kept in a loss curve: a 100,000-epoch fit still fits in a job's result."""


def curve_epochs(epochs: int, max_points: int = MAX_CURVE_POINTS) -> list[int]:
    """Which epochs (1-based) a curve of ``epochs`` keeps: all of them, or ``max_points``
    spread evenly from the first to the last."""
    if epochs <= max_points:
        return list(range(1, epochs + 1))
    return sorted({int(n) for n in np.linspace(1, epochs, max_points).round()})


def training_record(
    seconds: float, losses: Mapping[str, Sequence[float]] | None = None
) -> dict[str, Any]:
    """``seconds`` spent fitting; with per-epoch ``losses`` (name to one value per epoch), the
    number of epochs, the last epoch's losses and a curve of at most ``MAX_CURVE_POINTS`` (a
    loss that diverged to NaN or infinity is ``None``)."""
    record: dict[str, Any] = {"seconds": round(seconds, 3)}
    if not losses:
        return record
    epochs = min(len(values) for values in losses.values())
    if epochs == 0:
        return record
    kept = curve_epochs(epochs)
    record["epochs"] = epochs
    record["final_losses"] = {name: _short(values[epochs - 1]) for name, values in losses.items()}
    record["loss_curve"] = {
        "epoch": kept,
        **{name: [_short(values[epoch - 1]) for epoch in kept] for name, values in losses.items()},
    }
    return record


def _short(value: float) -> float | None:
    # A diverged loss (NaN, infinity) has no JSON number.
    return float(f"{value:.6g}") if np.isfinite(value) else None
