from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from synthfoundry.images.noise import NOISE_SCALE, add_gaussian_noise, noise_sigma


def gray(size: int = 256) -> Image.Image:
    """Mid-gray, so that noise of a quarter-range sigma is rarely clipped."""
    return Image.new("RGB", (size, size), (128, 128, 128))


def difference(noisy: Image.Image, clean: Image.Image) -> np.ndarray:
    return np.asarray(noisy, dtype=np.float64) - np.asarray(clean, dtype=np.float64)


def test_level_zero_returns_the_same_image_unchanged() -> None:
    image = gray()
    before = image.tobytes()
    noisy, sigma = add_gaussian_noise(image, 0.0, seed=3)
    assert noisy is image and noisy.tobytes() == before
    assert sigma == 0.0


def test_noise_has_the_promised_standard_deviation() -> None:
    clean = gray()
    noisy, sigma = add_gaussian_noise(clean, 0.5, seed=1)
    assert sigma == pytest.approx(NOISE_SCALE * 0.5 * 255) == noise_sigma(0.5)
    delta = difference(noisy, clean)
    assert noisy.mode == "RGB" and noisy.size == clean.size
    assert delta.std() == pytest.approx(sigma, rel=0.02)
    assert abs(delta.mean()) < 0.5


def test_noise_is_clipped_to_the_pixel_range() -> None:
    white = Image.new("RGB", (64, 64), (255, 255, 255))
    noisy, _ = add_gaussian_noise(white, 1.0, seed=0)
    pixels = np.asarray(noisy)
    assert pixels.dtype == np.uint8 and pixels.max() == 255 and pixels.min() < 200


def test_the_seed_fixes_the_noise() -> None:
    first, _ = add_gaussian_noise(gray(32), 0.3, seed=7)
    again, _ = add_gaussian_noise(gray(32), 0.3, seed=7)
    other, _ = add_gaussian_noise(gray(32), 0.3, seed=8)
    assert first.tobytes() == again.tobytes()
    assert first.tobytes() != other.tobytes()


def test_a_grayscale_image_comes_back_rgb() -> None:
    noisy, _ = add_gaussian_noise(Image.new("L", (16, 16), 100), 0.1, seed=0)
    assert noisy.mode == "RGB"


@pytest.mark.parametrize("level", [-0.01, 1.01, math.nan])
def test_levels_outside_zero_to_one_are_refused(level: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        add_gaussian_noise(gray(8), level, seed=0)
