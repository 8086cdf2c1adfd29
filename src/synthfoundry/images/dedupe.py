"""Exact and near-duplicate images found among many, by content hash and perceptual hash.

Near duplicates are found with multi-index hashing: split the 64 bits into ``threshold + 1``
blocks; two hashes at most ``threshold`` bits apart agree exactly on at least one block
(pigeonhole), so only hashes sharing a block value are compared, in vectorised chunks. Groups are
the connected components of "close" pairs; each keeps its largest image.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.fft
from PIL import Image
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

HASH_BITS = 64
HASH_EDGE = 32
"""Images are hashed at 32x32 grey pixels."""
CHUNK_CELLS = 1 << 20
"""At most this many hash pairs are compared in one vectorised step (bounds memory)."""
TRIANGLE_CHUNKS = 8
MIN_CHUNK_ROWS = 128
BYTE_BITS = np.array([byte.bit_count() for byte in range(256)], dtype=np.uint8)
"""Set bits per byte value, for numpy versions without ``bitwise_count``."""


def _lowest_frequencies(count: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The ``count`` lowest 2-D DCT frequencies after the constant term, in zig-zag order."""
    edge = HASH_EDGE // 2
    pairs = sorted(
        ((row, column) for row in range(edge) for column in range(edge) if row or column),
        key=lambda pair: (pair[0] + pair[1], pair[0]),
    )[:count]
    return np.array([row for row, _ in pairs]), np.array([column for _, column in pairs])


# The constant (DC) term says only how bright the image is, so every bit goes to a frequency.
FREQUENCY_ROWS, FREQUENCY_COLUMNS = _lowest_frequencies(HASH_BITS)


def perceptual_hash(image: Image.Image) -> int:
    """A 64-bit DCT hash: bit ``i`` says whether the ``i``-th lowest frequency of the 32x32
    grey image is above the median of the 64. Survives resizing and JPEG re-encoding."""
    grey = image.convert("L").resize((HASH_EDGE, HASH_EDGE), Image.Resampling.LANCZOS)
    spectrum = scipy.fft.dctn(np.asarray(grey, dtype=np.float64), norm="ortho")
    coefficients = spectrum[FREQUENCY_ROWS, FREQUENCY_COLUMNS]
    bits = coefficients > np.median(coefficients)
    return int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")


def hamming(a: int, b: int) -> int:
    """The number of bits in which two hashes differ."""
    return (a ^ b).bit_count()


@dataclass(frozen=True)
class Candidate:
    key: str
    sha256: str
    phash: int
    pixels: int
    """Width times height."""


@dataclass(frozen=True)
class Decision:
    kept: list[str]
    """In input order."""
    exact_duplicates: dict[str, str]
    """Removed key -> the kept key that stands for it."""
    near_duplicates: dict[str, str]
    """Removed key -> the kept key of its group."""


def deduplicate(candidates: Sequence[Candidate], threshold: int = 8) -> Decision:
    """Remove exact duplicates (same SHA-256; the first stays), then near duplicates: groups of
    hashes linked by distances of at most ``threshold`` bits keep their largest image (the
    first of equals). Every removed key maps to a kept one."""
    if threshold < 0:
        raise ValueError(f"the threshold must be at least 0, not {threshold}")
    _check_candidates(candidates)
    exact = _exact_duplicates(candidates)
    distinct = [candidate for candidate in candidates if candidate.key not in exact]
    near = _near_duplicates(distinct, threshold)
    kept = [candidate.key for candidate in distinct if candidate.key not in near]
    exact = {removed: near.get(original, original) for removed, original in exact.items()}
    return Decision(kept, exact, near)


def _check_candidates(candidates: Sequence[Candidate]) -> None:
    keys: set[str] = set()
    for candidate in candidates:
        if candidate.key in keys:
            raise ValueError(f"the key {candidate.key!r} is given twice")
        if not 0 <= candidate.phash < 1 << HASH_BITS:
            raise ValueError(f"the hash of {candidate.key!r} is not a 64-bit unsigned integer")
        keys.add(candidate.key)


def _exact_duplicates(candidates: Sequence[Candidate]) -> dict[str, str]:
    first_with: dict[str, str] = {}
    removed: dict[str, str] = {}
    for candidate in candidates:
        original = first_with.setdefault(candidate.sha256, candidate.key)
        if original != candidate.key:
            removed[candidate.key] = original
    return removed


def _near_duplicates(candidates: Sequence[Candidate], threshold: int) -> dict[str, str]:
    if len(candidates) < 2:
        return {}
    hashes = np.array([candidate.phash for candidate in candidates], dtype=np.uint64)
    # Equal hashes are one node: a thousand copies of a placeholder image cost one comparison.
    values, node_of = np.unique(hashes, return_inverse=True)
    groups = _components(values, threshold)[node_of.ravel()]
    return _losers(candidates, groups)


def _components(values: npt.NDArray[np.uint64], threshold: int) -> npt.NDArray[np.int32]:
    """A component label per (distinct) hash value: linked when at most ``threshold`` apart."""
    starts: list[npt.NDArray[np.intp]] = []
    ends: list[npt.NDArray[np.intp]] = []
    for members in _shared_blocks(values, threshold):
        for first, second in _close_pairs(values, members, threshold):
            starts.append(first)
            ends.append(second)
    count = len(values)
    if not starts:
        return np.arange(count, dtype=np.int32)
    first, second = np.concatenate(starts), np.concatenate(ends)
    graph = coo_array((np.ones(len(first), dtype=np.int8), (first, second)), shape=(count, count))
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels, dtype=np.int32)


def _shared_blocks(
    values: npt.NDArray[np.uint64], threshold: int
) -> Iterator[npt.NDArray[np.intp]]:
    """Each set of two or more hash indexes that agree on one block of bits."""
    if threshold >= HASH_BITS:
        yield np.arange(len(values))  # everything is within reach of everything
        return
    for shift, width in _blocks(threshold + 1):
        keys = (values >> np.uint64(shift)) & np.uint64((1 << width) - 1)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        bounds = np.flatnonzero(np.diff(sorted_keys)) + 1
        starts = np.concatenate(([0], bounds))
        stops = np.concatenate((bounds, [len(order)]))
        for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
            if stop - start > 1:
                yield order[start:stop]


def _blocks(count: int) -> list[tuple[int, int]]:
    """(shift, width) of ``count`` blocks that tile the 64 bits, as even as can be."""
    base, extra = divmod(HASH_BITS, count)
    blocks = []
    shift = 0
    for index in range(count):
        width = base + (1 if index < extra else 0)
        blocks.append((shift, width))
        shift += width
    return blocks


def _close_pairs(
    values: npt.NDArray[np.uint64], members: npt.NDArray[np.intp], threshold: int
) -> Iterator[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
    """Index pairs among ``members`` at most ``threshold`` bits apart, each pair once."""
    hashes = values[members]
    rows_per_chunk = _chunk_rows(len(members))
    for start in range(0, len(members), rows_per_chunk):
        rows = hashes[start : start + rows_per_chunk]
        distances = _popcount(rows[:, None] ^ hashes[None, start:])
        # flatnonzero: np.nonzero on a 2-D array is many times slower.
        row, column = np.divmod(np.flatnonzero(distances <= threshold), distances.shape[1])
        later = column > row
        if later.any():
            yield members[row[later] + start], members[column[later] + start]


def _chunk_rows(count: int) -> int:
    """Rows per chunk in a bucket of ``count`` hashes. A chunk meets only the columns from its
    own first row on (the upper triangle), so a few chunks per large bucket skip most of the
    lower half; small buckets take one chunk, as the per-chunk overhead would dominate."""
    triangle_rows = max(MIN_CHUNK_ROWS, -(-count // TRIANGLE_CHUNKS))
    return max(1, min(CHUNK_CELLS // count, triangle_rows))


def _popcount(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint8]:
    if hasattr(np, "bitwise_count"):  # numpy 2
        return np.bitwise_count(values)
    as_bytes = values.view(np.uint8).reshape(*values.shape, 8)
    return np.asarray(BYTE_BITS[as_bytes].sum(axis=-1, dtype=np.uint8))


def _losers(candidates: Sequence[Candidate], groups: npt.NDArray[np.int32]) -> dict[str, str]:
    """Removed key -> kept key, keeping the most pixels per group (the first of equals)."""
    winners: dict[int, Candidate] = {}
    for candidate, group in zip(candidates, groups.tolist(), strict=True):
        best = winners.get(group)
        if best is None or candidate.pixels > best.pixels:
            winners[group] = candidate
    return {
        candidate.key: winners[group].key
        for candidate, group in zip(candidates, groups.tolist(), strict=True)
        if winners[group].key != candidate.key
    }
