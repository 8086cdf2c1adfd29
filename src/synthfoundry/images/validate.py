"""Downloaded bytes checked and turned into a clean image, or refused with a reason.

The format is sniffed from the bytes (never the Content-Type or the file name) and only that
format's decoder may read them. The pixel count is read from the header before anything is
decoded, so a pixel bomb costs nothing. The image that comes out is RGB, upright (EXIF
orientation applied), in sRGB when it carried a colour profile, and built afresh from its pixels:
no EXIF, GPS, ICC or text chunk of the download survives.
"""

from __future__ import annotations

import hashlib
import io
import struct
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from synthfoundry.images.folder import png_bytes, to_rgb

REASONS = ("not_image", "corrupt", "truncated", "too_small", "too_large", "animated", "format")
PILLOW_FORMATS = {
    "jpeg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WEBP",
    "bmp": "BMP",
    "tiff": "TIFF",
}
ANIMATABLE_FORMATS = frozenset({"gif", "png", "webp"})
"""Formats whose extra frames are animation; a JPEG's (MPO previews) or a TIFF's pages are not."""
BMP_HEADER_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})
"""The DIB header sizes a real BMP has, so that any text starting with "BM" is not one."""
TRUNCATED_MESSAGE = "image file is truncated"
JPEG_QUALITY = 95
COLOUR_MANAGED_MODES = frozenset({"RGB", "CMYK"})
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error)


@dataclass(frozen=True)
class ImageRules:
    min_width: int = 64
    min_height: int = 64
    max_megapixels: float = 40.0
    """Width times height, in millions, read from the header before decoding."""
    allowed_formats: frozenset[str] = frozenset({"jpeg", "png", "webp", "gif", "bmp", "tiff"})
    """Formats as ``sniff_format`` names them."""
    output_format: Literal["png", "jpeg"] = "png"


class InvalidImage(Exception):
    """Bytes that are not an acceptable image; ``reason`` is one of ``REASONS``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[type[InvalidImage], tuple[str, str]]:
        return InvalidImage, (self.reason, self.detail)


@dataclass(frozen=True)
class ValidImage:
    image: Image.Image
    """RGB, upright, with no metadata at all."""
    data: bytes
    """``image`` encoded in the rules' output format: the same pixels give the same bytes."""
    source_format: str
    width: int
    height: int
    sha256: str
    """Of the bytes as downloaded."""


def sniff_format(data: bytes) -> str | None:
    """The image format the bytes start with, by magic number; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if _is_bmp(data):
        return "bmp"
    return None


def _is_bmp(data: bytes) -> bool:
    if not data.startswith(b"BM") or len(data) < 18:
        return False
    (header_size,) = struct.unpack_from("<I", data, 14)
    return header_size in BMP_HEADER_SIZES


def validate_image(data: bytes, rules: ImageRules = ImageRules()) -> ValidImage:
    """The clean image in ``data``; raises ``InvalidImage`` naming why it is refused."""
    source_format = _allowed_format(data, rules)
    try:
        with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[source_format]]) as opened:
            _check_header(opened, source_format, rules)
            _load(opened)
            image = _clean(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise InvalidImage("too_large", f"the image has too many pixels ({error})") from error
    except UnidentifiedImageError as error:
        raise InvalidImage("corrupt", f"the {source_format} data cannot be read") from error
    except DECODE_ERRORS as error:
        raise InvalidImage("corrupt", f"the {source_format} image is damaged ({error})") from error
    _check_size(image, rules)
    return ValidImage(
        image=image,
        data=_encoded(image, rules.output_format),
        source_format=source_format,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _allowed_format(data: bytes, rules: ImageRules) -> str:
    source_format = sniff_format(data)
    if source_format is None:
        raise InvalidImage("not_image", "the data is not an image in any supported format")
    if source_format not in rules.allowed_formats:
        allowed = ", ".join(sorted(rules.allowed_formats)) or "none"
        raise InvalidImage("format", f"{source_format} images are not allowed (allowed: {allowed})")
    return source_format


def _check_header(image: Image.Image, source_format: str, rules: ImageRules) -> None:
    width, height = image.size
    if width * height > rules.max_megapixels * 1_000_000:
        raise InvalidImage(
            "too_large",
            f"the image is {width}x{height}, more than {rules.max_megapixels:g} megapixels",
        )
    if source_format in ANIMATABLE_FORMATS and getattr(image, "is_animated", False):
        raise InvalidImage("animated", f"the {source_format} image is animated")


def _load(image: Image.Image) -> None:
    try:
        image.load()
    except OSError as error:
        if str(error).startswith(TRUNCATED_MESSAGE):
            raise InvalidImage("truncated", "the image data ends early") from error
        raise


def _clean(image: Image.Image) -> Image.Image:
    """An upright sRGB copy that carries nothing but its pixels."""
    upright = _upright(image)
    rgb = _in_srgb(upright)
    fresh = Image.new("RGB", rgb.size)
    fresh.paste(rgb)
    return fresh


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image) or image
    except (*DECODE_ERRORS, KeyError, TypeError):
        return image  # a damaged EXIF block: keep the pixels as stored


def _in_srgb(image: Image.Image) -> Image.Image:
    """RGB; converted through the image's ICC profile when it has a usable one, since dropping
    a wide-gamut or CMYK profile without converting would change the colours."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in COLOUR_MANAGED_MODES:
        return to_rgb(image)
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        converted = ImageCms.profileToProfile(image, source, SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, *DECODE_ERRORS):
        return to_rgb(image)
    return converted if converted is not None else to_rgb(image)


def _check_size(image: Image.Image, rules: ImageRules) -> None:
    if image.width < rules.min_width or image.height < rules.min_height:
        raise InvalidImage(
            "too_small",
            f"the image is {image.width}x{image.height}, smaller than "
            f"{rules.min_width}x{rules.min_height}",
        )


def _encoded(image: Image.Image, output_format: Literal["png", "jpeg"]) -> bytes:
    if output_format == "png":
        return png_bytes(image)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
