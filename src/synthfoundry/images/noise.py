"""Gaussian pixel noise, reproducible from a seed."""

from __future__ import annotations

import numpy as np
from PIL import Image

# sigma = NOISE_SCALE * noise_level * 255: at level 1 the deviation is a quarter of the range.
NOISE_SCALE = 0.25


def noise_sigma(noise_level: float) -> float:
    """The standard deviation, in 0-255 pixel units, of the noise for ``noise_level``."""
    _check_level(noise_level)
    return NOISE_SCALE * noise_level * 255


def add_gaussian_noise(
    image: Image.Image, noise_level: float, seed: int
) -> tuple[Image.Image, float]:
    """``image`` (as RGB) plus Gaussian noise drawn from ``seed``, and the noise's sigma. Level 0
    returns ``image`` itself, untouched."""
    sigma = noise_sigma(noise_level)
    if sigma == 0:
        return image, 0.0
    pixels = np.asarray(image.convert("RGB"), dtype=np.float64)
    noise = np.random.default_rng(seed).normal(0.0, sigma, pixels.shape)
    noisy = np.rint(np.clip(pixels + noise, 0, 255)).astype(np.uint8)
    return Image.fromarray(noisy), sigma


def _check_level(noise_level: float) -> None:
    if not 0 <= noise_level <= 1:
        raise ValueError(f"noise_level must be between 0 and 1, not {noise_level}")
