"""Uploaded inputs checked by their bytes, not their names: product images (JPEG, PNG, WebP,
no pixel bombs) and music (formats ffmpeg reads)."""

from __future__ import annotations

import io
import warnings
from typing import IO

from PIL import Image

from synthfoundry.errors import InvalidInput, PayloadTooLarge

IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
AUDIO_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"RIFF", 0, "wav"),
    (b"ID3", 0, "mp3"),
    (b"\xff\xfb", 0, "mp3"),
    (b"\xff\xf3", 0, "mp3"),
    (b"\xff\xf2", 0, "mp3"),
    (b"OggS", 0, "ogg"),
    (b"fLaC", 0, "flac"),
    (b"ftyp", 4, "m4a"),
)
CHUNK = 1024 * 1024


def read_capped(upload: IO[bytes], max_bytes: int, field: str) -> bytes:
    """The whole upload, refused (413) as soon as it passes ``max_bytes``."""
    parts, received = [], 0
    while chunk := upload.read(CHUNK):
        received += len(chunk)
        if received > max_bytes:
            raise PayloadTooLarge(f"{field} exceeds its limit of {max_bytes} bytes")
        parts.append(chunk)
    return b"".join(parts)


def check_image(data: bytes, max_pixels: int, field: str = "product_image") -> str:
    """The extension of a JPEG, PNG or WebP image; anything else (whatever its name says), a
    broken file or more than ``max_pixels`` pixels is refused naming ``field``."""
    if not data:
        raise InvalidInput(f"{field} is empty", field=field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
                width, height = image.size
                if kind in IMAGE_FORMATS and width * height <= max_pixels:
                    image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(f"{field} has too many pixels", field=field) from None
    except Exception:
        raise InvalidInput(f"{field} is not a JPEG, PNG or WebP image", field=field) from None
    if kind not in IMAGE_FORMATS:
        raise InvalidInput(
            f"{field} is {kind or 'not an image'}; JPEG, PNG or WebP expected", field=field
        )
    if width * height > max_pixels:
        raise InvalidInput(
            f"{field} is {width}x{height}: more than {max_pixels} pixels", field=field
        )
    return IMAGE_FORMATS[kind]


def check_audio(data: bytes, field: str = "audio") -> str:
    """The extension of a WAV, MP3, Ogg, FLAC or MP4 audio file, judged by its first bytes."""
    for signature, offset, extension in AUDIO_SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            return extension
    raise InvalidInput(f"{field} is not WAV, MP3, Ogg, FLAC or M4A audio", field=field)
