"""validate_image: what downloaded bytes become, and every reason they are refused."""

from __future__ import annotations

import hashlib
import io
import pickle
import struct
import zlib
from typing import Any

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from synthfoundry.images.validate import (
    REASONS,
    ImageRules,
    InvalidImage,
    ValidImage,
    sniff_format,
    validate_image,
)

RED = (255, 0, 0)


def _picture(width: int = 120, height: int = 80) -> Image.Image:
    """Gradients, so that lossy formats keep it recognisable."""
    x = np.linspace(0, 255, width)[None, :].repeat(height, axis=0)
    y = np.linspace(0, 255, height)[:, None].repeat(width, axis=1)
    pixels = np.stack([x, y, 255 - x], axis=-1).astype(np.uint8)
    return Image.fromarray(pixels)


def _encoded(image: Image.Image, image_format: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def _refused(data: bytes, rules: ImageRules = ImageRules()) -> str:
    with pytest.raises(InvalidImage) as caught:
        validate_image(data, rules)
    assert caught.value.reason in REASONS
    return caught.value.reason


def _chunk(kind: bytes, body: bytes) -> bytes:
    checksum = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", checksum)


def _png_claiming(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + _chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("image_format", "sniffed"),
    [
        ("PNG", "png"),
        ("JPEG", "jpeg"),
        ("WEBP", "webp"),
        ("GIF", "gif"),
        ("BMP", "bmp"),
        ("TIFF", "tiff"),
    ],
)
def test_good_images_become_clean_rgb(image_format: str, sniffed: str) -> None:
    data = _encoded(_picture(), image_format)
    valid = validate_image(data)
    assert isinstance(valid, ValidImage)
    assert valid.source_format == sniffed == sniff_format(data)
    assert (valid.width, valid.height) == valid.image.size == (120, 80)
    assert valid.image.mode == "RGB"
    assert valid.image.info == {}
    assert valid.sha256 == hashlib.sha256(data).hexdigest()
    with Image.open(io.BytesIO(valid.data)) as output:
        assert output.format == "PNG"
        assert output.size == (120, 80)
        assert np.array_equal(np.asarray(output.convert("RGB")), np.asarray(valid.image))


def test_the_output_is_deterministic_in_either_format() -> None:
    data = _encoded(_picture(), "WEBP")
    assert validate_image(data).data == validate_image(data).data
    jpeg = ImageRules(output_format="jpeg")
    first = validate_image(data, jpeg).data
    assert first == validate_image(data, jpeg).data
    assert sniff_format(first) == "jpeg"


def test_an_html_page_is_not_an_image() -> None:
    page = b"<!DOCTYPE html><html><body>Access denied</body></html>"
    assert sniff_format(page) is None
    assert _refused(page) == "not_image"


@pytest.mark.parametrize("data", [b"", b"BM is not a bitmap, just text", b"RIFF0000WAVEfmt "])
def test_near_misses_of_magic_numbers_are_not_images(data: bytes) -> None:
    assert sniff_format(data) is None


def test_garbage_behind_a_jpeg_header_is_corrupt() -> None:
    assert _refused(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8) == "corrupt"


def test_garbage_behind_a_png_signature_is_corrupt() -> None:
    assert _refused(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200) == "corrupt"


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_an_image_cut_short_is_truncated(image_format: str) -> None:
    noise = np.random.default_rng(0).integers(0, 256, (200, 300, 3), dtype=np.uint8)
    data = _encoded(Image.fromarray(noise), image_format)
    assert _refused(data[: len(data) // 2]) == "truncated"


def test_a_pixel_bomb_is_refused_from_its_header() -> None:
    assert _refused(_png_claiming(100_000, 100_000)) == "too_large"


def test_too_many_megapixels_are_refused_before_decoding() -> None:
    bomb = _png_claiming(9_000, 9_000)  # 81 MP: under Pillow's own limit, over ours
    assert _refused(bomb) == "too_large"
    assert _refused(_encoded(_picture(), "PNG"), ImageRules(max_megapixels=0.005)) == "too_large"


@pytest.mark.parametrize("image_format", ["GIF", "PNG", "WEBP"])
def test_animations_are_refused(image_format: str) -> None:
    frames = [_picture(), _picture().transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    data = _encoded(frames[0], image_format, save_all=True, append_images=frames[1:])
    assert _refused(data) == "animated"


def test_a_small_image_is_refused() -> None:
    assert _refused(_encoded(_picture(20, 20), "PNG")) == "too_small"
    assert validate_image(_encoded(_picture(20, 20), "PNG"), ImageRules(16, 16)).width == 20


def test_a_format_not_allowed_is_refused() -> None:
    rules = ImageRules(allowed_formats=frozenset({"png"}))
    assert _refused(_encoded(_picture(), "JPEG"), rules) == "format"
    assert validate_image(_encoded(_picture(), "PNG"), rules).source_format == "png"


def _photo_with_gps_and_orientation() -> bytes:
    image = _picture(120, 80)
    image.paste(RED, (0, 0, 12, 12))  # a marker in the stored top-left corner
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # shown turned 90 degrees clockwise
    exif[ExifTags.Base.Make] = "Camera Maker"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (13.0, 24.0, 36.0),
    }
    return _encoded(image, "JPEG", exif=exif, quality=95)


def test_exif_orientation_is_applied_and_all_exif_is_removed() -> None:
    data = _photo_with_gps_and_orientation()
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    valid = validate_image(data)
    assert (valid.width, valid.height) == (80, 120)
    top_right = valid.image.getpixel((valid.width - 4, 3))
    assert isinstance(top_right, tuple)
    assert top_right[0] > 200 and top_right[1] < 60 and top_right[2] < 60
    for output_format in ("png", "jpeg"):
        output = validate_image(data, ImageRules(output_format=output_format)).data
        with Image.open(io.BytesIO(output)) as reopened:
            assert len(reopened.getexif()) == 0
            assert "exif" not in reopened.info
        assert b"Camera Maker" not in output


def test_text_and_colour_profile_chunks_are_removed() -> None:
    text = PngInfo()
    text.add_text("Comment", "taken at 52.5N 13.4E")
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = _encoded(_picture(), "PNG", pnginfo=text, icc_profile=srgb)
    valid = validate_image(data)
    assert valid.image.info == {}
    assert b"52.5N" not in valid.data
    with Image.open(io.BytesIO(valid.data)) as output:
        assert "icc_profile" not in output.info
        difference = np.abs(
            np.asarray(output.convert("RGB"), dtype=int) - np.asarray(_picture(), dtype=int)
        )
        assert difference.max() <= 2  # sRGB to sRGB changes (almost) nothing


def test_a_cmyk_jpeg_becomes_rgb() -> None:
    valid = validate_image(_encoded(_picture().convert("CMYK"), "JPEG"))
    assert valid.image.mode == "RGB"


def test_transparency_is_flattened_onto_white() -> None:
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (0, 0, 32, 64))
    valid = validate_image(_encoded(image, "PNG"))
    assert valid.image.getpixel((48, 10)) == (255, 255, 255)
    assert valid.image.getpixel((10, 10)) == (0, 0, 255)


def test_a_refusal_survives_pickling() -> None:
    copy = pickle.loads(pickle.dumps(InvalidImage("corrupt", "the png image is damaged")))
    assert (copy.reason, str(copy)) == ("corrupt", "the png image is damaged")
