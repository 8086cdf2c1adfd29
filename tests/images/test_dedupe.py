"""Perceptual hashing and de-duplication, against transformed copies and a brute-force reference."""

from __future__ import annotations

import io
import itertools
import random
import time
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy.ndimage import gaussian_filter

from synthfoundry.images.dedupe import (
    Candidate,
    Decision,
    deduplicate,
    hamming,
    perceptual_hash,
)

WIDTH, HEIGHT = 384, 288


def natural_image(seed: int) -> Image.Image:
    """Something photo-like: a lit gradient, smooth blotches, shapes, and sensor noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH] / max(WIDTH, HEIGHT)
    angle = rng.uniform(0, 2 * np.pi)
    light = np.cos(angle) * x + np.sin(angle) * y
    base = rng.uniform(40, 200, 3) + 80 * light[..., None] * rng.uniform(-1, 1, 3)
    coarse = gaussian_filter(rng.normal(0, 60, (HEIGHT // 8, WIDTH // 8, 3)), sigma=(3, 3, 0))
    blotches = np.stack(
        [_enlarged(coarse[..., channel]) for channel in range(3)], axis=-1
    )  # smooth at every scale, for a fraction of a full-size blur's cost
    image = Image.fromarray(np.clip(base + blotches * 4, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        left, top = rng.uniform(0, WIDTH * 0.8), rng.uniform(0, HEIGHT * 0.8)
        box = (left, top, left + rng.uniform(30, 150), top + rng.uniform(30, 120))
        fill = tuple(int(channel) for channel in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse(box, fill=fill)
        else:
            draw.rectangle(box, fill=fill)
    pixels = np.asarray(image, dtype=np.float64) + rng.normal(0, 6, (HEIGHT, WIDTH, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _enlarged(plane: np.ndarray) -> np.ndarray:
    layer = Image.fromarray(plane.astype(np.float32), mode="F")
    return np.asarray(layer.resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC))


def _half_size(image: Image.Image) -> Image.Image:
    return image.resize((image.width // 2, image.height // 2), Image.Resampling.BILINEAR)


def _jpeg_60(image: Image.Image) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=60)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def _cropped_2_percent(image: Image.Image) -> Image.Image:
    """2% of the width and of the height cut away, at the top and left."""
    dx, dy = round(image.width * 0.02), round(image.height * 0.02)
    return image.crop((dx, dy, image.width, image.height))


TRANSFORMS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "resized": _half_size,
    "jpeg": _jpeg_60,
    "cropped": _cropped_2_percent,
}


@pytest.fixture(scope="module")
def originals() -> list[Image.Image]:
    return [natural_image(seed) for seed in range(6)]


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_transformed_copies_are_near(originals: list[Image.Image], transform: str) -> None:
    for original in originals:
        copy = TRANSFORMS[transform](original)
        assert hamming(perceptual_hash(original), perceptual_hash(copy)) <= 8


def test_different_images_are_far(originals: list[Image.Image]) -> None:
    hashes = [perceptual_hash(image) for image in originals]
    for first, second in itertools.combinations(hashes, 2):
        assert hamming(first, second) > 20


def test_the_hash_is_64_bits_and_half_of_them_set(originals: list[Image.Image]) -> None:
    for image in originals:
        value = perceptual_hash(image)
        assert 0 <= value < 1 << 64
        assert value.bit_count() == 32  # a median threshold over 64 distinct coefficients
        assert perceptual_hash(image.copy()) == value


def test_hamming_counts_differing_bits() -> None:
    assert hamming(0, 0) == 0
    assert hamming(0b1011, 0b0001) == 2
    assert hamming(0, (1 << 64) - 1) == 64


def _candidate(key: str, phash: int, pixels: int = 100, sha256: str | None = None) -> Candidate:
    return Candidate(key, sha256 or f"sha-{key}", phash, pixels)


def test_a_group_keeps_its_largest_image() -> None:
    base = 0x0123_4567_89AB_CDEF
    decision = deduplicate(
        [
            _candidate("small", base, pixels=100),
            _candidate("large", base ^ 0b111, pixels=400),
            _candidate("other", ~base & ((1 << 64) - 1)),
        ]
    )
    assert decision == Decision(["large", "other"], {}, {"small": "large"})


def test_ties_keep_the_first_in_input_order() -> None:
    decision = deduplicate([_candidate("a", 0b1), _candidate("b", 0b11), _candidate("c", 0b111)])
    assert decision.kept == ["a"]
    assert decision.near_duplicates == {"b": "a", "c": "a"}


def test_exact_duplicates_are_counted_apart_and_point_at_a_kept_key() -> None:
    decision = deduplicate(
        [
            _candidate("a", 0, sha256="same"),
            _candidate("b", 0, sha256="same"),
            _candidate("c", 1, pixels=900),
            _candidate("d", 1 << 40, sha256="same"),
        ]
    )
    assert decision.exact_duplicates == {"b": "c", "d": "c"}
    assert decision.near_duplicates == {"a": "c"}
    assert decision.kept == ["c"]


def test_groups_are_connected_through_chains() -> None:
    chain = [0, (1 << 8) - 1, (1 << 16) - 1]  # 8 bits apart in turn, 16 end to end
    decision = deduplicate([_candidate(str(index), value) for index, value in enumerate(chain)])
    assert decision.kept == ["0"]
    assert deduplicate([_candidate("x", chain[0]), _candidate("z", chain[2])]).kept == ["x", "z"]


def test_threshold_zero_merges_equal_hashes_only() -> None:
    decision = deduplicate([_candidate("a", 5), _candidate("b", 5), _candidate("c", 4)], 0)
    assert decision.kept == ["a", "c"]


def test_a_threshold_of_64_merges_everything() -> None:
    values = [0, (1 << 64) - 1, 12345]
    candidates = [_candidate(str(value), value) for value in values]
    assert deduplicate(candidates, threshold=64).kept == ["0"]


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        deduplicate([_candidate("a", 1), _candidate("a", 2)])
    with pytest.raises(ValueError, match="64-bit"):
        deduplicate([_candidate("a", 1 << 64)])
    with pytest.raises(ValueError, match="threshold"):
        deduplicate([], threshold=-1)
    assert deduplicate([]) == Decision([], {}, {})


def test_real_images_and_their_copies(originals: list[Image.Image]) -> None:
    candidates = []
    for index, original in enumerate(originals):
        for name, image in [("original", original)] + [
            (transform, apply(original)) for transform, apply in TRANSFORMS.items()
        ]:
            key = f"{index}-{name}"
            candidates.append(_candidate(key, perceptual_hash(image), image.width * image.height))
    decision = deduplicate(candidates)
    assert decision.kept == [f"{index}-original" for index in range(len(originals))]
    assert len(decision.near_duplicates) == len(originals) * len(TRANSFORMS)


def _planted(count: int, seed: int) -> list[Candidate]:
    """Random hashes, a quarter of them copies of another with 0-12 bits flipped."""
    rng = random.Random(seed)
    candidates: list[Candidate] = []
    for index in range(count):
        if candidates and rng.random() < 0.25:
            source = rng.choice(candidates)
            value = source.phash
            for bit in rng.sample(range(64), rng.randint(0, 12)):
                value ^= 1 << bit
            sha = source.sha256 if rng.random() < 0.1 else f"sha-{index}"
        else:
            value, sha = rng.getrandbits(64), f"sha-{index}"
        candidates.append(Candidate(f"k{index}", sha, value, rng.choice([100, 200, 300])))
    return candidates


def _brute_force(candidates: Sequence[Candidate], threshold: int) -> Decision:
    first_with: dict[str, str] = {}
    exact: dict[str, str] = {}
    distinct = []
    for candidate in candidates:
        original = first_with.setdefault(candidate.sha256, candidate.key)
        if original == candidate.key:
            distinct.append(candidate)
        else:
            exact[candidate.key] = original
    parent = list(range(len(distinct)))

    def root(index: int) -> int:
        while parent[index] != index:
            index = parent[index]
        return index

    hashes = np.array([candidate.phash for candidate in distinct], dtype=np.uint64)
    distances = np.bitwise_count(hashes[:, None] ^ hashes[None, :])  # every pair: O(n^2)
    for i, j in zip(*np.nonzero(np.triu(distances <= threshold, k=1)), strict=True):
        parent[root(int(j))] = root(int(i))
    best: dict[int, Candidate] = {}
    for index, candidate in enumerate(distinct):
        group = root(index)
        if group not in best or candidate.pixels > best[group].pixels:
            best[group] = candidate
    near = {
        candidate.key: best[root(index)].key
        for index, candidate in enumerate(distinct)
        if best[root(index)].key != candidate.key
    }
    kept = [candidate.key for candidate in distinct if candidate.key not in near]
    return Decision(kept, {key: near.get(value, value) for key, value in exact.items()}, near)


@pytest.mark.parametrize("threshold", [0, 3, 8, 12])
def test_matches_a_brute_force_reference(threshold: int) -> None:
    candidates = _planted(2000, seed=threshold)
    decision = deduplicate(candidates, threshold)
    assert decision == _brute_force(candidates, threshold)
    assert decision.near_duplicates  # the planted copies are found


def test_twenty_thousand_hashes_take_well_under_two_seconds() -> None:
    candidates = _planted(20_000, seed=1)
    started = time.process_time()  # CPU time: other work on a busy machine does not count
    decision = deduplicate(candidates)
    assert time.process_time() - started < 2.0
    removed = len(decision.exact_duplicates) + len(decision.near_duplicates)
    assert len(decision.kept) + removed == len(candidates)
