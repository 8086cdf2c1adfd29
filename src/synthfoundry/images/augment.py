"""Model-free augmentation: flip, crop, rotate, colour and noise, each drawn from a seed and
recorded exactly, so a variant can be explained and made again bit for bit.

Each operation draws from its own stream of the seed, so adding one operation leaves the
others' draws unchanged. Operations run in the order of ``ALL_OPERATIONS`` whatever the order
asked. Rotation fills the corners by mirroring the image at its edges (no black corners, no
zoom).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageEnhance

from synthfoundry.images.folder import to_rgb
from synthfoundry.images.noise import add_gaussian_noise, noise_sigma

Operation = Literal["flip", "crop", "rotate", "color", "noise"]
ALL_OPERATIONS: tuple[Operation, ...] = ("flip", "crop", "rotate", "color", "noise")

FLIP_PROBABILITY = 0.5
MIN_CROP_AREA = 0.8
MAX_ROTATION_DEGREES = 15.0
COLOR_FACTOR_RANGE = (0.8, 1.2)
MAX_NOISE_SIGMA = 0.05 * 255
MAX_NOISE_LEVEL = MAX_NOISE_SIGMA / noise_sigma(1.0)
SEED_BITS = 53  # seeds stay exact as JSON numbers, even in JavaScript
NOISE_SEED_BOUND = 2**31
RESAMPLE = Image.Resampling.BICUBIC

Record = dict[str, Any]


def variant_seed(seed: int, image_number: int, variant: int) -> int:
    """The seed of one augmented variant of one image: independent streams of ``seed``."""
    sequence = np.random.SeedSequence(seed, spawn_key=(image_number, variant))
    return int(sequence.generate_state(1, dtype=np.uint64)[0]) >> (64 - SEED_BITS)


def augment(
    image: Image.Image, operations: Sequence[Operation], seed: int
) -> tuple[Image.Image, dict[str, Any]]:
    """An RGB variant of ``image``, the same size, and a JSON-able record of what was applied.

    Every operation asked for is applied, but flip happens half the time (``"flip": None``
    records that it did not).
    """
    wanted = _validated(operations)
    streams = np.random.SeedSequence(seed).spawn(len(ALL_OPERATIONS))
    result = to_rgb(image)
    record: Record = {}
    for operation, stream in zip(ALL_OPERATIONS, streams, strict=True):
        if operation in wanted:
            result = OPERATIONS[operation](result, np.random.default_rng(stream), record)
    return result, record


def _validated(operations: Sequence[Operation]) -> set[Operation]:
    for operation in operations:
        if operation not in ALL_OPERATIONS:
            raise ValueError(
                f"unknown augmentation {operation!r}; choose from {', '.join(ALL_OPERATIONS)}"
            )
    return set(operations)


def _flip(image: Image.Image, rng: np.random.Generator, record: Record) -> Image.Image:
    if rng.random() >= FLIP_PROBABILITY:
        record["flip"] = None
        return image
    record["flip"] = "horizontal"
    return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def _crop(image: Image.Image, rng: np.random.Generator, record: Record) -> Image.Image:
    """A random crop of 80 to 100% of the area, same aspect ratio, resized back."""
    width, height = image.size
    scale = math.sqrt(rng.uniform(MIN_CROP_AREA, 1.0))
    crop_width = max(1, round(width * scale))
    crop_height = max(1, round(height * scale))
    left = int(rng.integers(0, width - crop_width + 1))
    top = int(rng.integers(0, height - crop_height + 1))
    box = (left, top, left + crop_width, top + crop_height)
    record["crop"] = list(box)
    return image.resize(image.size, RESAMPLE, box=box)


def _rotate(image: Image.Image, rng: np.random.Generator, record: Record) -> Image.Image:
    degrees = round(float(rng.uniform(-MAX_ROTATION_DEGREES, MAX_ROTATION_DEGREES)), 3)
    record["rotate"] = degrees
    width, height = image.size
    radians = math.radians(abs(degrees))
    # Pad by mirroring far enough that the rotated frame only ever samples real or mirrored
    # pixels, rotate about the (unchanged) centre, then cut the original frame back out.
    pad_x = math.ceil((width * math.cos(radians) + height * math.sin(radians) - width) / 2) + 2
    pad_y = math.ceil((width * math.sin(radians) + height * math.cos(radians) - height) / 2) + 2
    padded = np.pad(np.asarray(image), ((pad_y, pad_y), (pad_x, pad_x), (0, 0)), mode="symmetric")
    rotated = Image.fromarray(padded).rotate(degrees, resample=RESAMPLE)
    return rotated.crop((pad_x, pad_y, pad_x + width, pad_y + height))


def _color(image: Image.Image, rng: np.random.Generator, record: Record) -> Image.Image:
    factors = {
        name: round(float(rng.uniform(*COLOR_FACTOR_RANGE)), 4)
        for name in ("brightness", "contrast", "saturation")
    }
    record["color"] = factors
    image = ImageEnhance.Brightness(image).enhance(factors["brightness"])
    image = ImageEnhance.Contrast(image).enhance(factors["contrast"])
    return ImageEnhance.Color(image).enhance(factors["saturation"])


def _noise(image: Image.Image, rng: np.random.Generator, record: Record) -> Image.Image:
    """Gaussian pixel noise as ``noise.py`` makes it; its own seed is recorded, so the noise can
    be drawn again."""
    level = round(float(rng.uniform(0.0, MAX_NOISE_LEVEL)), 4)
    noise_seed = int(rng.integers(0, NOISE_SEED_BOUND))
    noisy, sigma = add_gaussian_noise(image, level, noise_seed)
    record["noise_sigma"] = sigma
    record["noise_seed"] = noise_seed
    return noisy


OPERATIONS: dict[Operation, Callable[[Image.Image, np.random.Generator, Record], Image.Image]] = {
    "flip": _flip,
    "crop": _crop,
    "rotate": _rotate,
    "color": _color,
    "noise": _noise,
}
