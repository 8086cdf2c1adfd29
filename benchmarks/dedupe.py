"""Perceptual de-duplication benchmark: how well and how fast ``perceptual_hash`` and
``deduplicate`` find copies, with the ``imagehash`` library's phash as the comparison.

    .venv/bin/python -m benchmarks.dedupe [--candidates 100000]

Needs ``.venv/bin/pip install scikit-image imagehash`` (benchmark only; src/ imports neither).
The photos are scikit-image's sample images that ship in its wheel (nothing is downloaded).
Each gets six copies that a collection should treat as the same image: resized to 0.5 and 0.75,
re-encoded as JPEG at quality 50 and 75, cropped by 3% on every edge, and 10% brighter. Every
pair of versions of one photo is a positive pair, every pair across photos a negative one; for
thresholds 4 to 12 it prints pair precision and recall for both hashes. Mirror images (a
horizontal flip) are a different picture for a training set and are reported apart, as the
share flagged as duplicates. Throughput: images hashed per second, and candidates per second
through ``deduplicate`` (random hashes with planted copies). Writes
benchmarks/results/dedupe.json.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import platform
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageEnhance

from synthfoundry.images.dedupe import Candidate, deduplicate, hamming, perceptual_hash

EXTRAS = ("scikit-image", "imagehash")
try:
    import imagehash
    import skimage.data
except ImportError as missing:
    raise SystemExit(
        f"{missing.name} is missing: .venv/bin/pip install {' '.join(EXTRAS)}"
    ) from missing

RESULTS = Path(__file__).parent / "results"
THRESHOLDS = (4, 6, 8, 10, 12)
# The sample images bundled in the scikit-image wheel (the others need a download); "cat" is
# "chelsea" again, and the synthetic patterns (checkerboard, blobs) are left out.
SAMPLES = (
    "astronaut",
    "camera",
    "coffee",
    "chelsea",
    "rocket",
    "brick",
    "grass",
    "gravel",
    "coins",
    "moon",
    "page",
    "text",
    "clock",
    "horse",
    "hubble_deep_field",
    "immunohistochemistry",
    "logo",
    "colorwheel",
    "retina",
    "cell",
    "microaneurysms",
    "shepp_logan_phantom",
)
Hasher = Callable[[Image.Image], int]


def _scaled(factor: float) -> Callable[[Image.Image], Image.Image]:
    def scale(image: Image.Image) -> Image.Image:
        size = (round(image.width * factor), round(image.height * factor))
        return image.resize(size, Image.Resampling.BICUBIC)

    return scale


def _jpeg(quality: int) -> Callable[[Image.Image], Image.Image]:
    def encode(image: Image.Image) -> Image.Image:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality)
        return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")

    return encode


def _cropped(image: Image.Image) -> Image.Image:
    dx, dy = round(image.width * 0.03), round(image.height * 0.03)
    return image.crop((dx, dy, image.width - dx, image.height - dy))


def _brighter(image: Image.Image) -> Image.Image:
    return ImageEnhance.Brightness(image).enhance(1.1)


COPIES: dict[str, Callable[[Image.Image], Image.Image]] = {
    "resize 0.5": _scaled(0.5),
    "resize 0.75": _scaled(0.75),
    "jpeg q50": _jpeg(50),
    "jpeg q75": _jpeg(75),
    "crop 3%": _cropped,
    "brightness +10%": _brighter,
}


def imagehash_phash(image: Image.Image) -> int:
    return int(str(imagehash.phash(image)), 16)


HASHERS: dict[str, Hasher] = {"ours": perceptual_hash, "imagehash": imagehash_phash}


@dataclass(frozen=True)
class Version:
    photo: str
    copy: str
    image: Image.Image


def sample_photos() -> dict[str, Image.Image]:
    photos = {}
    for name in SAMPLES:
        try:
            pixels = getattr(skimage.data, name)()
        except Exception as error:  # a sample that needs a download
            print(f"skipping {name}: {type(error).__name__}", flush=True)
            continue
        photos[name] = Image.fromarray(np.asarray(pixels)).convert("RGB")
    return photos


def versions(photos: dict[str, Image.Image]) -> list[Version]:
    return [
        Version(name, copy, image)
        for name, photo in photos.items()
        for copy, image in [("original", photo)]
        + [(copy, make(photo)) for copy, make in COPIES.items()]
    ]


def pair_scores(hashes: list[int], all_versions: list[Version], threshold: int) -> dict[str, float]:
    counts = {"tp": 0, "fp": 0, "fn": 0}
    for (first, a), (second, b) in itertools.combinations(
        zip(hashes, all_versions, strict=True), 2
    ):
        close = hamming(first, second) <= threshold
        same = a.photo == b.photo
        if close and same:
            counts["tp"] += 1
        elif close:
            counts["fp"] += 1
        elif same:
            counts["fn"] += 1
    flagged = counts["tp"] + counts["fp"]
    positives = counts["tp"] + counts["fn"]
    return {
        "precision": counts["tp"] / flagged if flagged else 1.0,
        "recall": counts["tp"] / positives,
        "false_positives": counts["fp"],
    }


def recall_per_copy(
    hashes: list[int], all_versions: list[Version], threshold: int
) -> dict[str, float]:
    originals = {
        item.photo: value
        for value, item in zip(hashes, all_versions, strict=True)
        if item.copy == "original"
    }
    found: dict[str, list[bool]] = {copy: [] for copy in COPIES}
    for value, item in zip(hashes, all_versions, strict=True):
        if item.copy != "original":
            found[item.copy].append(hamming(value, originals[item.photo]) <= threshold)
    return {copy: float(np.mean(hits)) for copy, hits in found.items()}


def flips_flagged(hasher: Hasher, photos: dict[str, Image.Image]) -> dict[int, float]:
    distances = [
        hamming(hasher(photo), hasher(photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
        for photo in photos.values()
    ]
    return {
        threshold: float(np.mean([d <= threshold for d in distances])) for threshold in THRESHOLDS
    }


def images_per_second(hasher: Hasher, images: list[Image.Image], rounds: int = 3) -> float:
    """Per CPU second, best of ``rounds``: both hashers run on one thread, and CPU time is what
    other work on a shared machine does not inflate."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for image in images:
            hasher(image)
        best = min(best, time.process_time() - started)
    return len(images) / best


def closest_different_photos(hashes: list[int], all_versions: list[Version]) -> int:
    """The smallest distance between versions of two different photos: the precision margin."""
    return min(
        hamming(first, second)
        for (first, a), (second, b) in itertools.combinations(
            zip(hashes, all_versions, strict=True), 2
        )
        if a.photo != b.photo
    )


def planted_candidates(count: int, seed: int = 0) -> list[Candidate]:
    """Random hashes; a fifth are copies of an earlier one with up to 6 bits flipped."""
    rng = random.Random(seed)
    candidates: list[Candidate] = []
    for index in range(count):
        if candidates and rng.random() < 0.2:
            value = rng.choice(candidates).phash
            for bit in rng.sample(range(64), rng.randint(0, 6)):
                value ^= 1 << bit
        else:
            value = rng.getrandbits(64)
        candidates.append(Candidate(f"k{index}", f"sha-{index}", value, rng.randint(1, 10**6)))
    return candidates


def deduplicate_rate(count: int) -> dict[str, float]:
    """Threshold 8; CPU time too, since other work on a shared machine stretches wall time."""
    candidates = planted_candidates(count)
    started, cpu_started = time.perf_counter(), time.process_time()
    decision = deduplicate(candidates, threshold=8)
    seconds = time.perf_counter() - started
    return {
        "candidates": count,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(time.process_time() - cpu_started, 3),
        "candidates_per_second": round(count / seconds),
        "removed": len(decision.near_duplicates) + len(decision.exact_duplicates),
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        "| threshold | ours precision | ours recall | imagehash precision | imagehash recall"
        " | flips flagged, ours | flips flagged, imagehash |",
        "|" + "---|" * 7,
    ]
    for row in result["sweep"]:
        ours, theirs = row["ours"], row["imagehash"]
        lines.append(
            f"| {row['threshold']} | {ours['precision']:.3f} | {ours['recall']:.3f}"
            f" | {theirs['precision']:.3f} | {theirs['recall']:.3f}"
            f" | {ours['flips_flagged']:.2f} | {theirs['flips_flagged']:.2f} |"
        )
    closest = result["closest_different_photos"]
    lines += [
        "",
        f"{result['positive_pairs']} positive and {result['negative_pairs']} negative pairs;"
        f" closest versions of different photos: ours {closest['ours']} bits,"
        f" imagehash {closest['imagehash']} bits",
        "recall per copy at threshold 8 (ours / imagehash):",
    ]
    for copy in COPIES:
        ours_recall = result["recall_per_copy_at_8"]["ours"][copy]
        their_recall = result["recall_per_copy_at_8"]["imagehash"][copy]
        lines.append(f"  {copy:16} {ours_recall:.2f} / {their_recall:.2f}")
    speed = result["throughput"]
    lines += [
        "",
        f"hashing: ours {speed['hash_images_per_second']['ours']:.0f} images per CPU second,"
        f" imagehash {speed['hash_images_per_second']['imagehash']:.0f}"
        f" ({speed['hashed_images']} images, {speed['mean_megapixels']:.2f} MP on average)",
    ]
    for run in speed["deduplicate"]:
        lines.append(
            f"deduplicate: {run['candidates']} candidates in {run['seconds']} s"
            f" ({run['cpu_seconds']} s CPU)"
            f" ({run['candidates_per_second']} candidates/s, {run['removed']} removed)"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=100_000, help="largest deduplicate run")
    args = parser.parse_args()
    photos = sample_photos()
    all_versions = versions(photos)
    hashes = {name: [hasher(v.image) for v in all_versions] for name, hasher in HASHERS.items()}
    flips = {name: flips_flagged(hasher, photos) for name, hasher in HASHERS.items()}
    sweep = [
        {
            "threshold": threshold,
            **{
                name: {
                    **pair_scores(hashes[name], all_versions, threshold),
                    "flips_flagged": flips[name][threshold],
                }
                for name in HASHERS
            },
        }
        for threshold in THRESHOLDS
    ]
    images = [version.image for version in all_versions]
    sizes = sorted({10_000, args.candidates // 10, args.candidates})
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "versions": {name: version(name) for name in ("pillow", "numpy", "scipy", *EXTRAS)},
        "photos": list(photos),
        "copies": list(COPIES),
        "positive_pairs": len(photos) * (len(COPIES) + 1) * len(COPIES) // 2,
        "negative_pairs": len(all_versions) * (len(all_versions) - len(COPIES) - 1) // 2,
        "closest_different_photos": {
            name: closest_different_photos(hashes[name], all_versions) for name in HASHERS
        },
        "sweep": sweep,
        "recall_per_copy_at_8": {
            name: recall_per_copy(hashes[name], all_versions, 8) for name in HASHERS
        },
        "throughput": {
            "hashed_images": len(images),
            "mean_megapixels": float(np.mean([i.width * i.height for i in images]) / 1e6),
            "hash_images_per_second": {
                name: images_per_second(hasher, images) for name, hasher in HASHERS.items()
            },
            "deduplicate": [deduplicate_rate(size) for size in sizes],
        },
        "load_average_after": os.getloadavg()[0],  # a busy machine lowers the rates
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dedupe.json").write_text(json.dumps(result, indent=1) + "\n")
    print(table(result))


if __name__ == "__main__":
    main()
