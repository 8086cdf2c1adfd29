"""The ImageFolder dataset format: one folder per label, a ``manifest.jsonl`` line per image, and
the ZIP that carries them, written byte for byte the same for the same files."""

from __future__ import annotations

import io
import json
import shutil
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import NoneType
from typing import Any

import numpy as np
from PIL import Image

from synthfoundry.errors import InvalidInput

THUMBNAIL_EDGE = 128
THUMBNAIL_QUALITY = 85
PNG_COMPRESS_LEVEL = 6
MANIFEST = "manifest.jsonl"
DATASET_JSON = "dataset.json"
ATTRIBUTION = "ATTRIBUTION.txt"

MAX_FOLDER_CHARS = 100
MAX_FOLDER_BYTES = 255  # the file name limit of common filesystems, in UTF-8 bytes
SUFFIX_BYTES = len(" (99999)")  # kept free for a collision suffix
FALLBACK_FOLDER = "label"
UNSAFE_CHARACTERS = frozenset('/\\:*?"<>|')  # path separators and what Windows refuses
UNSAFE_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})  # control characters and line breaks
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{digit}" for digit in range(1, 10)}
    | {f"lpt{digit}" for digit in range(1, 10)}
)

ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a ZIP can hold: no clock in the bytes
ZIP_FILE_MODE = 0o644
ZIP_UNIX_SYSTEM = 3
PRECOMPRESSED_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif"})
COPY_CHUNK_BYTES = 1024 * 1024
SIXTEEN_BIT_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})
BACKGROUND = (255, 255, 255)


def label_folders(labels: Sequence[str]) -> dict[str, str]:
    """A folder name for each label, safe on every common filesystem and still readable.

    Names that clash once cleaned, or that differ only in case, get `` (2)``, `` (3)``...
    """
    folders: dict[str, str] = {}
    # The dataset's own files sit beside the label folders.
    taken = {name.casefold() for name in (MANIFEST, DATASET_JSON, ATTRIBUTION)}
    for label in labels:
        if label in folders:
            continue
        folder = _unique(_clean_label(label), taken)
        taken.add(folder.casefold())
        folders[label] = folder
    return folders


def _clean_label(label: str) -> str:
    name = "".join(_safe_character(char) for char in unicodedata.normalize("NFC", label))
    name = name.strip().lstrip(".")
    if name.split(".", 1)[0].rstrip().casefold() in WINDOWS_RESERVED:
        name = f"_{name}"
    return _truncated(name, MAX_FOLDER_CHARS)


def _safe_character(char: str) -> str:
    if char in UNSAFE_CHARACTERS or unicodedata.category(char) in UNSAFE_CATEGORIES:
        return "_"
    return char


def _truncated(name: str, max_chars: int) -> str:
    name = name[:max_chars]
    while len(name.encode("utf-8")) > MAX_FOLDER_BYTES - SUFFIX_BYTES:
        name = name[:-1]
    # Windows drops trailing dots and spaces, which would merge "cat." with "cat".
    return name.rstrip(". ") or FALLBACK_FOLDER


def _unique(name: str, taken: set[str]) -> str:
    candidate = name
    number = 2
    while candidate.casefold() in taken:
        suffix = f" ({number})"
        candidate = _truncated(name, MAX_FOLDER_CHARS - len(suffix)) + suffix
        number += 1
    return candidate


def image_name(folder: str, index: int, extension: str = "png") -> str:
    """The archive path of the ``index``-th image of a label folder."""
    return f"{folder}/{index:05d}.{extension}"


def to_rgb(image: Image.Image) -> Image.Image:
    """An RGB copy: transparency flattened onto white, 16-bit grey scaled (not clipped) to 8."""
    if image.mode in SIXTEEN_BIT_MODES:
        pixels = np.asarray(image).astype(np.int64) >> 8
        return Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).convert("RGB")
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        flattened = Image.new("RGBA", rgba.size, (*BACKGROUND, 255))
        flattened.alpha_composite(rgba)
        return flattened.convert("RGB")
    return image.convert("RGB")


def png_bytes(image: Image.Image) -> bytes:
    """The image as PNG, with no text, time, EXIF or ICC chunk: the same pixels give the same
    bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL, icc_profile=None)
    return buffer.getvalue()


def thumbnail_bytes(image: Image.Image, edge: int = THUMBNAIL_EDGE) -> bytes:
    """A JPEG that fits in ``edge`` x ``edge`` pixels, keeping the aspect ratio."""
    if edge < 1:
        raise ValueError(f"the thumbnail edge must be at least 1 pixel, not {edge}")
    thumbnail = to_rgb(image)
    thumbnail.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    thumbnail.save(buffer, format="JPEG", quality=THUMBNAIL_QUALITY)
    return buffer.getvalue()


MANIFEST_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "file": (str,),
    "label": (str,),
    "seed": (int, NoneType),
    "noise_sigma": (float,),
    "prompt": (str, NoneType),
    "negative_prompt": (str, NoneType),
    "model": (str, NoneType),
    "steps": (int, NoneType),
    "guidance_scale": (float, NoneType),
    "width": (int,),
    "height": (int,),
    "seconds": (float, NoneType),
    "noise_seed": (int, NoneType),
    "source": (str, NoneType),
    "augmentation": (dict, NoneType),
    "provider": (str, NoneType),
    "page_url": (str, NoneType),
    "license": (str, NoneType),
    "license_url": (str, NoneType),
    "creator": (str, NoneType),
    "attribution": (str, NoneType),
    "sha256": (str, NoneType),
}
"""The JSON types each ``ManifestEntry`` field accepts."""


@dataclass(frozen=True)
class ManifestEntry:
    """One image of a dataset, as a line of ``manifest.jsonl``: where it is and how it was made."""

    file: str
    label: str
    seed: int | None = None
    noise_sigma: float = 0.0
    prompt: str | None = None
    negative_prompt: str | None = None
    model: str | None = None
    steps: int | None = None
    guidance_scale: float | None = None
    width: int = 0
    height: int = 0
    seconds: float | None = None
    noise_seed: int | None = None
    source: str | None = None
    augmentation: dict[str, Any] | None = None
    # Collected images: where they came from and under which terms.
    provider: str | None = None
    page_url: str | None = None
    license: str | None = None
    license_url: str | None = None
    creator: str | None = None
    attribution: str | None = None
    sha256: str | None = None

    def to_json(self) -> str:
        """One JSON line, keys sorted; absent values are written as ``null``."""
        text = json.dumps(
            asdict(self),
            sort_keys=True,
            ensure_ascii=False,
            allow_nan=False,
            separators=(",", ":"),
        )
        # Some line readers (str.splitlines) break at these, so they stay escaped.
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")

    @classmethod
    def from_json(cls, line: str) -> ManifestEntry:
        """The entry of a manifest line; unknown keys are ignored, wrong types refused."""
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise InvalidInput(
                f"a manifest line is not valid JSON: {error.msg}", field="file"
            ) from error
        if not isinstance(data, dict):
            raise InvalidInput("a manifest line is not a JSON object", field="file")
        values = {
            key: _checked_field(key, value)
            for key, value in data.items()
            if key in MANIFEST_FIELD_TYPES
        }
        for required in ("file", "label"):
            if required not in values:
                raise InvalidInput(f"a manifest line has no {required!r}", field="file")
        return cls(**values)


def _checked_field(key: str, value: Any) -> Any:
    allowed = MANIFEST_FIELD_TYPES[key]
    if float in allowed and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, allowed):
        names = " or ".join("null" if kind is NoneType else kind.__name__ for kind in allowed)
        raise InvalidInput(f"manifest field {key!r} must be {names}", field="file")
    return value


def write_zip(entries: Iterable[tuple[str, Path]], destination: Path) -> int:
    """Write a ZIP of (archive name, local file) pairs and return its size in bytes.

    Images are stored (they are compressed already), text is deflated; times, permissions
    and the creating system are fixed, so the same files always give the same bytes.
    """
    written: set[str] = set()
    with zipfile.ZipFile(destination, "w") as archive:
        for name, source in entries:
            if name in written:
                raise ValueError(f"{name!r} is given twice")
            written.add(name)
            _add_file(archive, name, source)
    return destination.stat().st_size


def _add_file(archive: zipfile.ZipFile, name: str, source: Path) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
    info.compress_type = (
        zipfile.ZIP_STORED
        if Path(name).suffix.lower() in PRECOMPRESSED_EXTENSIONS
        else zipfile.ZIP_DEFLATED
    )
    info.create_system = ZIP_UNIX_SYSTEM
    info.external_attr = ZIP_FILE_MODE << 16
    info.file_size = source.stat().st_size  # lets zipfile decide on ZIP64 before writing
    with source.open("rb") as reader, archive.open(info, "w") as writer:
        shutil.copyfileobj(reader, writer, COPY_CHUNK_BYTES)
