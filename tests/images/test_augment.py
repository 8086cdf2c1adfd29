"""Augmentation: deterministic from the seed, the same size out, and a record of exactly what
was done."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from synthfoundry.images.augment import ALL_OPERATIONS, Operation, augment, variant_seed

WIDTH, HEIGHT = 64, 48


def noise_image(width: int = WIDTH, height: int = HEIGHT, mode: str = "RGB") -> Image.Image:
    pixels = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(pixels).convert(mode)


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image)


def flipping_seed() -> int:
    return next(seed for seed in range(100) if augment(noise_image(), ["flip"], seed)[1]["flip"])


def test_the_same_seed_gives_the_same_bits() -> None:
    first, first_record = augment(noise_image(), ALL_OPERATIONS, 42)
    second, second_record = augment(noise_image(), ALL_OPERATIONS, 42)
    assert first.tobytes() == second.tobytes()
    assert first_record == second_record


def test_other_seeds_give_other_variants() -> None:
    variants = {augment(noise_image(), ALL_OPERATIONS, seed)[0].tobytes() for seed in range(5)}
    assert len(variants) == 5


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P"])
@pytest.mark.parametrize("size", [(WIDTH, HEIGHT), (1, 1), (3, 2), (17, 300)])
def test_the_variant_is_rgb_and_keeps_the_size(mode: str, size: tuple[int, int]) -> None:
    variant, _record = augment(noise_image(*size, mode=mode), ALL_OPERATIONS, 3)
    assert variant.mode == "RGB"
    assert variant.size == size


def test_the_record_says_what_was_applied() -> None:
    for seed in range(20):
        _variant, record = augment(noise_image(), ALL_OPERATIONS, seed)
        json.dumps(record, allow_nan=False)
        assert set(record) == {"flip", "crop", "rotate", "color", "noise_sigma", "noise_seed"}
        assert record["flip"] in ("horizontal", None)
        left, top, right, bottom = record["crop"]
        assert 0 <= left < right <= WIDTH
        assert 0 <= top < bottom <= HEIGHT
        assert (right - left) * (bottom - top) >= 0.78 * WIDTH * HEIGHT  # 80%, give or take a row
        assert -15 <= record["rotate"] <= 15
        assert set(record["color"]) == {"brightness", "contrast", "saturation"}
        assert all(0.8 <= factor <= 1.2 for factor in record["color"].values())
        assert 0 <= record["noise_sigma"] <= 0.05 * 255
        assert isinstance(record["noise_seed"], int)


def test_only_the_asked_operations_are_recorded() -> None:
    assert set(augment(noise_image(), ["crop", "color"], 1)[1]) == {"crop", "color"}
    variant, record = augment(noise_image(), [], 1)
    assert record == {}
    assert np.array_equal(pixels(variant), pixels(noise_image()))


def test_flip_happens_about_half_the_time() -> None:
    flips = [augment(noise_image(), ["flip"], seed)[1]["flip"] for seed in range(40)]
    assert 8 <= flips.count("horizontal") <= 32
    assert 8 <= flips.count(None) <= 32


def test_a_flip_mirrors_the_image_and_no_flip_leaves_it() -> None:
    for seed in range(6):
        variant, record = augment(noise_image(), ["flip"], seed)
        expected = pixels(noise_image())[:, ::-1] if record["flip"] else pixels(noise_image())
        assert np.array_equal(pixels(variant), expected)


@pytest.mark.parametrize("operation", ALL_OPERATIONS)
def test_each_operation_alone_changes_the_image(operation: Operation) -> None:
    seed = flipping_seed() if operation == "flip" else 0
    variant, record = augment(noise_image(), [operation], seed)
    assert record
    assert not np.array_equal(pixels(variant), pixels(noise_image()))


def test_rotation_leaves_no_black_corners() -> None:
    white = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    for seed in range(5):
        variant, record = augment(white, ["rotate"], seed)
        assert abs(record["rotate"]) > 1
        assert pixels(variant).min() >= 250


def test_the_order_asked_does_not_matter() -> None:
    forward, forward_record = augment(noise_image(), ["flip", "crop", "noise"], 9)
    backward, backward_record = augment(noise_image(), ["noise", "crop", "flip", "crop"], 9)
    assert forward.tobytes() == backward.tobytes()
    assert forward_record == backward_record


def test_each_operation_draws_from_its_own_stream() -> None:
    alone = augment(noise_image(), ["crop"], 5)[1]
    together = augment(noise_image(), ALL_OPERATIONS, 5)[1]
    assert together["crop"] == alone["crop"]


def test_unknown_operations_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown augmentation 'blur'"):
        augment(noise_image(), ["flip", "blur"], 0)  # type: ignore[list-item]


def test_variant_seeds_are_stable_distinct_and_json_safe() -> None:
    seeds = {
        variant_seed(seed, image, variant)
        for seed in (0, 1, 2**40)
        for image in range(20)
        for variant in range(5)
    }
    assert len(seeds) == 3 * 20 * 5
    assert all(0 <= seed < 2**53 for seed in seeds)
    assert variant_seed(7, 3, 1) == variant_seed(7, 3, 1)
    assert variant_seed(7, 3, 1) != variant_seed(7, 1, 3)
