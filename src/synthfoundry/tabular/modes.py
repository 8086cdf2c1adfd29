"""Mode-specific normalisation (Xu et al. 2019): a numeric column as a one-dimensional Gaussian
mixture; each value becomes the mode it was drawn from (one-hot) and its offset within that mode,
scaled to [-1, 1]. Multi-modal and spiky columns (a mass at zero, rounded values) keep their shape
where a single min-max or z-score would squash them.

The mixture is fitted by EM on a sample; modes that end with too little weight are dropped, which
is what the Dirichlet-process prior of a variational fit achieves, at a fraction of the cost.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_FIT_SAMPLE = 20_000
EM_ITERATIONS = 60
TOLERANCE = 1e-6
OFFSET_SCALE = 4.0  # offsets are (value - mean) / (4 std): within [-1, 1] for 4 sigma
OFFSET_CLIP = 0.99


class ModeNormalizer:
    def __init__(self, weights: np.ndarray, means: np.ndarray, stds: np.ndarray) -> None:
        self.weights, self.means, self.stds = weights, means, stds

    @property
    def modes(self) -> int:
        return len(self.means)

    @classmethod
    def fit(
        cls,
        values: np.ndarray,
        rng: np.random.Generator,
        max_modes: int = 10,
        min_weight: float = 0.005,
    ) -> ModeNormalizer:
        sample = values if len(values) <= MAX_FIT_SAMPLE else rng.choice(values, MAX_FIT_SAMPLE)
        distinct = np.unique(sample)
        span = float(distinct[-1] - distinct[0]) if len(distinct) > 1 else 1.0
        # A floor on the spread keeps a mode on a single repeated value (a spike) finite.
        floor = max(span * 1e-3, 1e-9)
        if len(distinct) <= max_modes:
            shares = np.array([np.mean(sample == value) for value in distinct])
            stds = np.full(len(distinct), floor)
            return cls(shares, distinct.astype(float), stds)
        means = np.quantile(sample, (np.arange(max_modes) + 0.5) / max_modes)
        stds = np.full(max_modes, max(float(np.std(sample)) / max_modes, floor))
        weights = np.full(max_modes, 1.0 / max_modes)
        previous = -np.inf
        for _ in range(EM_ITERATIONS):
            responsibilities, likelihood = _responsibilities(sample, weights, means, stds)
            totals = responsibilities.sum(axis=0) + 1e-12
            weights = totals / totals.sum()
            means = (responsibilities * sample[:, None]).sum(axis=0) / totals
            spread = (responsibilities * (sample[:, None] - means) ** 2).sum(axis=0) / totals
            stds = np.maximum(np.sqrt(spread), floor)
            keep = weights >= min_weight
            if not keep.all():
                weights, means, stds = weights[keep] / weights[keep].sum(), means[keep], stds[keep]
            if abs(likelihood - previous) < TOLERANCE * abs(likelihood):
                break
            previous = likelihood
        order = np.argsort(means)
        weights, means, stds = weights[order], means[order], stds[order]
        return cls(weights, means, _covering(sample, weights, means, stds))

    def forward(
        self, values: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """The offset in [-1, 1] and the mode index of each value, the mode drawn from its
        posterior so that values between two modes do not all collapse onto one. Only modes
        whose offset range holds the value are drawn (another would clip it and lose it); a
        value outside every mode's range (unseen while fitting) goes to the nearest one."""
        responsibilities, _ = _responsibilities(values, self.weights, self.means, self.stds)
        reach = np.abs(values[:, None] - self.means) / (OFFSET_SCALE * self.stds)
        holds = reach <= OFFSET_CLIP
        responsibilities = np.where(holds, responsibilities, 0.0)
        outside = np.flatnonzero(~holds.any(axis=1))
        responsibilities[outside, np.argmin(reach[outside], axis=1)] = 1.0
        cumulative = np.cumsum(responsibilities, axis=1)
        draws = rng.random(len(values))[:, None] * cumulative[:, -1:]
        modes = np.minimum((cumulative <= draws).sum(axis=1), self.modes - 1)
        offsets = (values - self.means[modes]) / (OFFSET_SCALE * self.stds[modes])
        return np.clip(offsets, -OFFSET_CLIP, OFFSET_CLIP), modes

    def inverse(self, offsets: np.ndarray, modes: np.ndarray) -> np.ndarray:
        clipped = np.clip(offsets, -1.0, 1.0)
        return np.asarray(clipped * OFFSET_SCALE * self.stds[modes] + self.means[modes])

    def state(self) -> dict[str, Any]:
        return {
            "weights": self.weights.tolist(),
            "means": self.means.tolist(),
            "stds": self.stds.tolist(),
        }

    @classmethod
    def restore(cls, state: dict[str, Any]) -> ModeNormalizer:
        return cls(*(np.asarray(state[key], dtype=float) for key in ("weights", "means", "stds")))


def _covering(
    sample: np.ndarray, weights: np.ndarray, means: np.ndarray, stds: np.ndarray
) -> np.ndarray:
    """The spreads widened just enough that every fitted value lies within the offset range of
    its most likely mode, so a training value is never clipped on its way into the model."""
    responsibilities, _ = _responsibilities(sample, weights, means, stds)
    nearest = responsibilities.argmax(axis=1)
    needed = np.abs(sample - means[nearest]) / (OFFSET_SCALE * OFFSET_CLIP)
    widest = np.zeros(len(means))
    np.maximum.at(widest, nearest, needed)
    return np.asarray(np.maximum(stds, widest))


def _responsibilities(
    values: np.ndarray, weights: np.ndarray, means: np.ndarray, stds: np.ndarray
) -> tuple[np.ndarray, float]:
    z = (values[:, None] - means) / stds
    log_density = -0.5 * z**2 - np.log(stds) + np.log(weights)
    peak = log_density.max(axis=1, keepdims=True)
    density = np.exp(log_density - peak)
    total = density.sum(axis=1, keepdims=True)
    likelihood = float((np.log(total) + peak).sum())
    return density / total, likelihood
