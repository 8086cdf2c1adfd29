"""A trained model as one ZIP: the two files a synthesizer's ``save`` writes (``synthesizer.json``
and ``arrays.npz``, with the model format's checksums), to download and to import.

An imported archive is read without trusting it. Only those two names are taken, each written
under its own fixed name (a member's path never becomes a path here); members must be stored or
deflated, unencrypted and no links; sizes are bounded as claimed and as read; the arrays' headers
are checked against their sizes before numpy allocates anything; the model then loads through the
library, which verifies the checksums and never unpickles.
"""

from __future__ import annotations

import math
import re
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from numpy.lib import format as npy_format

from synthfoundry.errors import InvalidInput, PayloadTooLarge
from synthfoundry.storage import BlobStore
from synthfoundry.synthesizers import Synthesizer, load_synthesizer
from synthfoundry.synthesizers.artifacts import ARRAYS, MANIFEST
from synthfoundry.synthesizers.base import Modality

MODEL_FILES = (MANIFEST, ARRAYS)
IGNORED_FOLDERS = frozenset({"__MACOSX"})  # what macOS's "Compress" adds beside the files
IGNORED_FILES = frozenset({".DS_Store"})
COMPRESSIONS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
ENCRYPTED_FLAG = 0x1
DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
CHUNK_BYTES = 1024 * 1024
CORRUPTION_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error, ValueError)


@dataclass(frozen=True)
class ModelLimits:
    max_archive_bytes: int = 1024**3
    max_file_bytes: int = 1024**3
    """Per file of the model, and per array inside ``arrays.npz``, uncompressed."""
    max_arrays: int = 100_000
    max_ratio: float = 1000.0
    """Uncompressed over compressed size, for members over ``RATIO_FLOOR_BYTES``."""


RATIO_FLOOR_BYTES = 1024 * 1024


def model_archive(storage: BlobStore, prefix: str) -> Iterator[bytes]:
    """The model stored under ``prefix`` as a ZIP of its files, in chunks (written to a
    temporary file first, so that a model larger than memory streams)."""
    with tempfile.TemporaryFile(prefix="synthfoundry-model-") as spool:
        with zipfile.ZipFile(spool, "w") as archive:
            for name in MODEL_FILES:
                # arrays.npz is uncompressed numbers; deflate pays on both files
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                with storage.open_read(prefix + name) as source, archive.open(info, "w") as sink:
                    while chunk := source.read(CHUNK_BYTES):
                        sink.write(chunk)
        spool.seek(0)
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk


def unpack_model(archive_path: Path, folder: Path, limits: ModelLimits = ModelLimits()) -> None:
    """Write the model files of an uploaded ZIP into ``folder``, or raise ``InvalidInput``
    naming what is wrong (``PayloadTooLarge`` for a model over the limits)."""
    if archive_path.stat().st_size > limits.max_archive_bytes:
        raise PayloadTooLarge(f"the archive exceeds {limits.max_archive_bytes} bytes")
    try:
        with zipfile.ZipFile(archive_path) as archive:
            members = _model_members(archive, limits)
            folder.mkdir(parents=True, exist_ok=True)
            for name, info in members.items():
                _extract(archive, info, folder / name, limits)
    except (*CORRUPTION_ERRORS, NotImplementedError) as error:
        raise InvalidInput(
            f"the file is not a ZIP archive, or a damaged one: {error}", field="file"
        ) from None
    check_arrays(folder / ARRAYS, limits)


def _model_members(archive: zipfile.ZipFile, limits: ModelLimits) -> dict[str, zipfile.ZipInfo]:
    """The members holding the model's files: at the top, or in one folder of the archive."""
    found: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if info.is_dir() or path.name in IGNORED_FILES or IGNORED_FOLDERS & set(path.parts):
            continue
        if path.is_absolute() or ".." in path.parts or DRIVE_LETTER.match(info.filename):
            raise _refusal(info.filename, "has a path that leaves the archive")
        if path.name not in MODEL_FILES or len(path.parts) > 2:
            raise _refusal(info.filename, f"is not a model file (a model holds {_expected()})")
        if path.name in found:
            raise _refusal(info.filename, "appears twice")
        _check_member(info, limits)
        found[path.name] = info
    if missing := [name for name in MODEL_FILES if name not in found]:
        raise InvalidInput(
            f"the archive holds no {' and no '.join(missing)}; a model holds {_expected()}",
            field="file",
        )
    folders = {PurePosixPath(info.filename).parent for info in found.values()}
    if len(folders) > 1:
        raise InvalidInput(f"{_expected()} must sit in the same folder", field="file")
    return found


def _check_member(info: zipfile.ZipInfo, limits: ModelLimits) -> None:
    if info.flag_bits & ENCRYPTED_FLAG:
        raise _refusal(info.filename, "is encrypted")
    mode = info.external_attr >> 16
    if mode and not (stat.S_ISREG(mode) or stat.S_IFMT(mode) == 0):
        raise _refusal(info.filename, "is a link or a special file, not a plain file")
    if info.compress_type not in COMPRESSIONS:
        raise _refusal(info.filename, "uses a compression other than stored or deflated")
    if info.file_size > limits.max_file_bytes:
        raise PayloadTooLarge(
            f"{info.filename!r} is {info.file_size} bytes; at most {limits.max_file_bytes}"
        )
    if info.file_size > RATIO_FLOOR_BYTES and info.file_size > limits.max_ratio * max(
        info.compress_size, 1
    ):
        raise _refusal(info.filename, "expands too far for its size (a ZIP bomb?)")


def _extract(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, limits: ModelLimits
) -> None:
    # zipfile stops at the claimed size and checks the CRC; the count guards a lying header.
    written = 0
    with archive.open(info) as source, open(target, "wb") as sink:
        while chunk := source.read(CHUNK_BYTES):
            written += len(chunk)
            if written > min(info.file_size, limits.max_file_bytes):
                raise _refusal(info.filename, "holds more bytes than its header says")
            sink.write(chunk)


def check_arrays(path: Path, limits: ModelLimits = ModelLimits()) -> None:
    """``arrays.npz`` is itself a ZIP of ``.npy`` files: each must be a plain array (no
    objects, so nothing to unpickle) whose header's shape fits the bytes that follow it, since
    numpy allocates the whole array from the header before reading a byte of it."""
    try:
        with zipfile.ZipFile(path) as arrays:
            members = arrays.infolist()
            if len(members) > limits.max_arrays:
                raise _refusal(ARRAYS, f"holds more than {limits.max_arrays} arrays")
            for info in members:
                _check_member(info, limits)
                with arrays.open(info) as source:
                    _check_array_header(info, source)
    except (*CORRUPTION_ERRORS, NotImplementedError) as error:
        raise _refusal(ARRAYS, f"is not a valid NumPy archive: {error}") from None


def _check_array_header(info: zipfile.ZipInfo, source: IO[bytes]) -> None:
    name = f"{ARRAYS}/{info.filename}"
    if not info.filename.endswith(".npy"):
        raise _refusal(name, "is not a .npy array")
    version = npy_format.read_magic(source)
    if version == (1, 0):
        shape, _, dtype = npy_format.read_array_header_1_0(source)
    elif version in ((2, 0), (3, 0)):
        shape, _, dtype = npy_format.read_array_header_2_0(source)
    else:
        raise _refusal(name, f"has the unknown .npy version {version}")
    if dtype.hasobject:
        raise _refusal(name, "holds Python objects, which would need unpickling")
    header_bytes = source.tell()
    needed = math.prod(shape) * dtype.itemsize
    if needed > info.file_size - header_bytes:
        raise _refusal(name, f"claims {needed} bytes of data but holds fewer")


def load_verified(folder: Path) -> Synthesizer:
    """The tabular model in ``folder``, loaded through the library (checksums, format version,
    a known synthesizer) and drawing one row; anything wrong is an ``InvalidInput``."""
    try:
        synthesizer = load_synthesizer(folder)
    except InvalidInput as refused:
        raise InvalidInput(refused.detail, field="file") from None
    except Exception as error:  # crafted content that passes the checksums
        raise InvalidInput(f"the model does not load: {_describe(error)}", field="file") from None
    modality = synthesizer.capabilities.modality
    if modality != Modality.TABULAR:
        raise InvalidInput(
            f"{synthesizer.name} is a {modality} model; generators hold tabular ones",
            field="file",
        )
    try:
        synthesizer.sample(synthesizer.SampleRequest(rows=1, seed=0))
    except Exception as error:
        raise InvalidInput(
            f"the model loads but cannot sample: {_describe(error)}", field="file"
        ) from None
    return synthesizer


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:300]


def _expected() -> str:
    return " and ".join(MODEL_FILES)


def _refusal(member: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{member!r} {reason}", field="file", member=member)
