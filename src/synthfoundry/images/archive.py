"""Uploaded ImageFolder ZIPs (``label/image.png``), read without trusting a byte of them.

The central directory is checked before anything is decompressed: paths, file types,
encryption, duplicates and the sizes it claims. Members are then decompressed in chunks with
their real sizes counted, since a header can lie, and every image's pixel count is read from its
header before Pillow decodes it. Each refusal is an ``InvalidInput`` naming the member.
"""

from __future__ import annotations

import io
import lzma
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from PIL import Image, UnidentifiedImageError

from synthfoundry.errors import InvalidInput, PayloadTooLarge
from synthfoundry.images.folder import ATTRIBUTION, DATASET_JSON, MANIFEST, to_rgb

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF", "TIFF")  # nothing else reaches a decoder
# Our own download format's files, so that a downloaded dataset uploads again.
ROOT_FILES = frozenset({MANIFEST, DATASET_JSON, ATTRIBUTION})
SKIPPED_FOLDERS = frozenset({"__MACOSX"})
SKIPPED_FILES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
APPLE_DOUBLE_PREFIX = "._"  # macOS resource forks, stray copies of real names
COMPRESSIONS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
ENCRYPTED_FLAG = 0x1
UTF8_NAME_FLAG = 0x800
CENTRAL_DIRECTORY_SIGNATURE = b"PK\x01\x02"
ZIP64_END_SIGNATURE = b"PK\x06\x06"
# Positions in the list zipfile._EndRecData returns (its _ECD_* constants).
END_RECORD_SIGNATURE = 0
END_RECORD_SIZE = 5
END_RECORD_LOCATION = 9
ZIP64_END_BYTES = 56 + 20  # the ZIP64 end record and its locator, before the classic end record
DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
CHUNK_BYTES = 1024 * 1024
RATIO_FLOOR_BYTES = 1024 * 1024
"""Members this small are never refused for their ratio: a tiny blank image compresses
wildly, and the harm of a bomb is its size, which the other limits bound."""

# The exceptions the standard library raises for a damaged archive or member.
CORRUPTION_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error, ValueError, struct.error)
# bz2 reports bad data as OSError; the member is read from a local file, so that is the cause.
DECOMPRESSION_ERRORS = (OSError, lzma.LZMAError)


@dataclass(frozen=True)
class ArchiveLimits:
    max_archive_bytes: int = 2 * 1024**3
    max_members: int = 100_000
    max_total_bytes: int = 8 * 1024**3
    """The sum of uncompressed sizes, as claimed and as really read."""
    max_member_bytes: int = 256 * 1024**2
    max_ratio: float = 200.0
    """Per member: uncompressed size over compressed size."""
    max_pixels: int = 64_000_000
    """Per image, width times height, read from its header before decoding."""


@dataclass(frozen=True)
class UploadedImage:
    label: str
    member: str
    """The path inside the ZIP."""
    image: Image.Image
    """Decoded and converted to RGB."""
    original_format: str


@dataclass(frozen=True)
class ArchiveSummary:
    labels: list[str]
    images: int
    counts: dict[str, int]
    """Images per label."""


@dataclass(frozen=True)
class _ImageMember:
    info: zipfile.ZipInfo
    name: str
    label: str


def inspect_archive(path: Path, limits: ArchiveLimits = ArchiveLimits()) -> ArchiveSummary:
    """The labels and image counts of an ImageFolder ZIP, from its central directory alone."""
    with _opened(path, limits) as archive:
        members = _image_members(archive, limits)
    counts = Counter(member.label for member in members)
    labels = sorted(counts)
    return ArchiveSummary(labels, len(members), {label: counts[label] for label in labels})


def read_image_folder(
    path: Path, limits: ArchiveLimits = ArchiveLimits()
) -> Iterator[UploadedImage]:
    """Each image of an ImageFolder ZIP, decoded, in member order.

    Checks the archive as ``inspect_archive`` does before the first image; errors come while
    iterating, since this is a generator.
    """
    with _opened(path, limits) as archive:
        members = _image_members(archive, limits)
        allowance = limits.max_total_bytes
        for member in members:
            data = _read_member(archive, member.info, member.name, limits, allowance)
            allowance -= len(data)
            image, original_format = _decode(member.name, data, limits)
            yield UploadedImage(member.label, member.name, image, original_format)


def _refusal(member: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{member!r} {reason}", field="file", member=member)


@contextmanager
def _opened(path: Path, limits: ArchiveLimits) -> Iterator[zipfile.ZipFile]:
    size = path.stat().st_size
    if size > limits.max_archive_bytes:
        raise PayloadTooLarge(
            f"the archive is {size} bytes; at most {limits.max_archive_bytes} are allowed"
        )
    _check_member_count_early(path, limits)
    try:
        archive = zipfile.ZipFile(path)
    except (*CORRUPTION_ERRORS, NotImplementedError) as error:
        raise InvalidInput(
            f"the file is not a ZIP archive, or a damaged one: {error}", field="file"
        ) from error
    with archive:
        yield archive


def _check_member_count_early(path: Path, limits: ArchiveLimits) -> None:
    """Refuse too many members before zipfile builds an object for each of them.

    Counts the entry signatures in the same central directory zipfile will read: a far smaller
    cost than the objects, and a header's entry count could lie.
    """
    span = _central_directory_span(path)
    if span is None:
        return  # not a ZIP: zipfile says so next
    start, size = span
    entries = 0
    carried = b""
    with path.open("rb") as stream:
        stream.seek(start)
        while size > 0:
            chunk = stream.read(min(CHUNK_BYTES, size))
            if not chunk:
                break
            size -= len(chunk)
            window = carried + chunk
            entries += window.count(CENTRAL_DIRECTORY_SIGNATURE)
            carried = window[-(len(CENTRAL_DIRECTORY_SIGNATURE) - 1) :]
            if entries > limits.max_members:
                raise _too_many_members(limits)


def _central_directory_span(path: Path) -> tuple[int, int] | None:
    # zipfile's own reader of the end record, so both agree on where the directory lies.
    read_end_record: Any = getattr(zipfile, "_EndRecData", None)
    if read_end_record is None:
        return None
    with path.open("rb") as stream:
        try:
            end_record = read_end_record(stream)
        except (OSError, *CORRUPTION_ERRORS):
            return None
    if not end_record:
        return None
    size = int(end_record[END_RECORD_SIZE])
    location = int(end_record[END_RECORD_LOCATION])
    if end_record[END_RECORD_SIGNATURE] == ZIP64_END_SIGNATURE:
        location -= ZIP64_END_BYTES
    return max(location - size, 0), size


def _too_many_members(limits: ArchiveLimits) -> InvalidInput:
    return InvalidInput(f"the archive has more than {limits.max_members} members", field="file")


def _image_members(archive: zipfile.ZipFile, limits: ArchiveLimits) -> list[_ImageMember]:
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise _too_many_members(limits)
    named = [(_member_name(info), info) for info in infos]
    for name, info in named:
        _check_member(name, info, limits)
        if not 0 <= info.header_offset < archive.start_dir:
            raise _refusal(name, "is damaged: its data lies outside the archive")
    _check_duplicates([name for name, _ in named])
    _check_claimed_total(infos, limits)
    files = [(name, info) for name, info in named if not info.is_dir() and not _skipped(name)]
    depth = 1 if _wrapped([name for name, _ in files]) else 0
    members = [member for name, info in files if (member := _classify(name, info, depth))]
    if not members:
        raise InvalidInput("the archive has no images", field="file")
    return sorted(members, key=lambda member: member.name)


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name, as UTF-8 when an archiver wrote UTF-8 without saying so."""
    if info.flag_bits & UTF8_NAME_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


def _check_member(name: str, info: zipfile.ZipInfo, limits: ArchiveLimits) -> None:
    _check_path(name)
    _check_file_type(name, info)
    if info.flag_bits & ENCRYPTED_FLAG:
        raise _refusal(name, "is encrypted")
    if info.compress_type not in COMPRESSIONS:
        raise _refusal(name, f"uses an unsupported compression method ({info.compress_type})")
    if info.file_size > limits.max_member_bytes:
        raise _too_large(name, limits)
    if _ratio_exceeded(info.file_size, info.compress_size, limits):
        raise _too_compressed(name, info.file_size, info.compress_size, limits)


def _check_path(name: str) -> None:
    if name.startswith("/") or DRIVE_LETTER.match(name):
        raise _refusal(name, "has an absolute path")
    if "\\" in name:
        raise _refusal(name, "has a backslash in its path")
    parts = name.removesuffix("/").split("/")
    if ".." in parts:
        raise _refusal(name, "has a '..' in its path (path traversal)")
    if any(part in ("", ".") for part in parts):
        raise _refusal(name, "has an empty or '.' folder in its path")
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise _refusal(name, "has a control character in its name")


def _check_file_type(name: str, info: zipfile.ZipInfo) -> None:
    mode = info.external_attr >> 16
    if not stat.S_IFMT(mode) or stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return  # no Unix type recorded (Windows archivers), a file, or a folder
    if stat.S_ISLNK(mode):
        raise _refusal(name, "is a symbolic link")
    raise _refusal(name, "is not a regular file")


def _check_duplicates(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        key = unicodedata.normalize("NFC", name.removesuffix("/")).casefold()
        if key in seen:
            raise _refusal(name, "occurs twice (names are compared ignoring case)")
        seen.add(key)


def _check_claimed_total(infos: list[zipfile.ZipInfo], limits: ArchiveLimits) -> None:
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_bytes:
        raise InvalidInput(
            f"the archive expands to {total} bytes; at most {limits.max_total_bytes} are allowed",
            field="file",
        )


def _skipped(name: str) -> bool:
    """Litter of desktop archivers, left out without a word."""
    parts = name.split("/")
    basename = parts[-1]
    return (
        bool(SKIPPED_FOLDERS.intersection(parts[:-1]))
        or basename.casefold() in SKIPPED_FILES
        or basename.startswith(APPLE_DOUBLE_PREFIX)
    )


def _wrapped(names: list[str]) -> bool:
    """Whether every file sits in one top folder that itself holds the label folders."""
    split = [name.split("/") for name in names]
    if len({parts[0] for parts in split}) != 1:
        return False
    inner = [parts[1:] for parts in split]
    nested = any(len(parts) >= 2 for parts in inner)
    return nested and all(len(parts) >= 2 or parts[0] in ROOT_FILES for parts in inner)


def _classify(name: str, info: zipfile.ZipInfo, depth: int) -> _ImageMember | None:
    """The image member at ``name``; None for our own metadata files at the root."""
    parts = name.split("/")[depth:]
    if len(parts) == 1:
        if parts[0] in ROOT_FILES:
            return None
        raise _refusal(name, "is outside a label folder; put each image in a folder per label")
    if len(parts) > 2:
        raise _refusal(name, "is nested too deeply; expected label/image")
    extension = PurePosixPath(parts[1]).suffix.lower()
    if extension not in IMAGE_EXTENSIONS:
        raise _refusal(
            name, f"is not an image (expected one of {', '.join(sorted(IMAGE_EXTENSIONS))})"
        )
    return _ImageMember(info, name, unicodedata.normalize("NFC", parts[0]))


def _ratio_exceeded(size: int, compressed: int, limits: ArchiveLimits) -> bool:
    return size > RATIO_FLOOR_BYTES and size > limits.max_ratio * compressed


def _too_large(name: str, limits: ArchiveLimits) -> InvalidInput:
    return _refusal(name, f"expands to more than {limits.max_member_bytes} bytes")


def _too_compressed(name: str, size: int, compressed: int, limits: ArchiveLimits) -> InvalidInput:
    ratio = size / max(compressed, 1)
    return _refusal(
        name,
        f"is compressed {ratio:.0f}:1, more than the {limits.max_ratio:.0f}:1 allowed "
        "(a ZIP bomb?)",
    )


def _read_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    name: str,
    limits: ArchiveLimits,
    allowance: int,
) -> bytes:
    """The member's bytes, counted as they are decompressed: the header's sizes may lie."""
    data = bytearray()
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                data += chunk
                _check_progress(name, len(data), info.compress_size, limits, allowance)
    except (*CORRUPTION_ERRORS, *DECOMPRESSION_ERRORS) as error:
        raise _refusal(name, f"is corrupt ({error})") from error
    except (NotImplementedError, RuntimeError) as error:
        raise _refusal(name, f"cannot be read ({error})") from error
    return bytes(data)


def _check_progress(
    name: str, size: int, compressed: int, limits: ArchiveLimits, allowance: int
) -> None:
    if size > limits.max_member_bytes:
        raise _too_large(name, limits)
    if _ratio_exceeded(size, compressed, limits):
        raise _too_compressed(name, size, compressed, limits)
    if size > allowance:
        raise InvalidInput(
            f"the archive expands to more than {limits.max_total_bytes} bytes "
            f"(reached while reading {name!r})",
            field="file",
            member=name,
        )


def _decode(name: str, data: bytes, limits: ArchiveLimits) -> tuple[Image.Image, str]:
    """The image in ``data`` as RGB, and its format; the pixel count is checked first."""
    try:
        with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as image:
            width, height = image.size
            if width * height > limits.max_pixels:
                raise _pixel_bomb(name, f"{width}x{height}", limits)
            image.load()
            return to_rgb(image), image.format or "unknown"
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _pixel_bomb(name, "too many", limits) from error
    except UnidentifiedImageError as error:
        raise _refusal(name, "is not an image (its content is no known image format)") from error
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as error:
        raise _refusal(name, f"is a damaged image ({error})") from error


def _pixel_bomb(name: str, pixels: str, limits: ArchiveLimits) -> InvalidInput:
    return _refusal(name, f"has {pixels} pixels; at most {limits.max_pixels} are allowed")
