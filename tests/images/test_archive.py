"""Uploaded ImageFolder ZIPs: every malformed or hostile archive is refused with an error that
names the member and the reason; good archives, in their usual shapes, are read whole."""

from __future__ import annotations

import io
import stat
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from synthfoundry.errors import InvalidInput, PayloadTooLarge
from synthfoundry.images import archive as archive_module
from synthfoundry.images.archive import (
    ArchiveLimits,
    ArchiveSummary,
    inspect_archive,
    read_image_folder,
)

MIB = 1024 * 1024
CENTRAL_DIRECTORY = b"PK\x01\x02"
LOCAL_HEADER = b"PK\x03\x04"
# Offsets inside a central directory entry, and the flags' offset in a local header.
FLAGS_OFFSET, METHOD_OFFSET, FILE_SIZE_OFFSET = 8, 10, 24
LOCAL_FLAGS_OFFSET = 6


def noise_image(width: int = 16, height: int = 12, seed: int = 0) -> Image.Image:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def encoded(image: Image.Image, image_format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


def png(seed: int = 0) -> bytes:
    return encoded(noise_image(seed=seed))


def png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG whose header claims ``width`` x ``height`` pixels over a tiny IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def good_members(prefix: str = "") -> dict[str, bytes]:
    return {
        f"{prefix}{label}/{index}.png": png(seed=number * 10 + index)
        for number, label in enumerate(["cats", "dogs"])
        for index in range(3)
    }


def patch_central_directory(
    path: Path, offset: int, value: int, size: str = "<H", signature: bytes = CENTRAL_DIRECTORY
) -> None:
    """Overwrite a field of the first central directory entry (or local header), only there."""
    data = bytearray(path.read_bytes())
    entry = data.index(signature)
    struct.pack_into(size, data, entry + offset, value)
    path.write_bytes(bytes(data))


def refused(path: Path, *fragments: str, limits: ArchiveLimits | None = None) -> InvalidInput:
    """Assert both entry points refuse the archive with a detail holding every fragment."""
    limits = limits or ArchiveLimits()
    with pytest.raises(InvalidInput) as raised:
        list(read_image_folder(path, limits))
    error = raised.value
    assert error.field == "file"
    for fragment in fragments:
        assert fragment in error.detail
    return error


# Good archives


@pytest.mark.parametrize("prefix", ["", "upload/"])
def test_a_good_archive_is_read_whole(tmp_path: Path, prefix: str) -> None:
    path = make_zip(tmp_path / "good.zip", good_members(prefix))
    summary = inspect_archive(path)
    assert summary == ArchiveSummary(["cats", "dogs"], 6, {"cats": 3, "dogs": 3})
    images = list(read_image_folder(path))
    assert [(image.label, image.member) for image in images] == [
        (label, f"{prefix}{label}/{index}.png") for label in ("cats", "dogs") for index in range(3)
    ]
    for image in images:
        assert image.image.mode == "RGB"
        assert image.original_format == "PNG"
    assert np.array_equal(np.asarray(images[4].image), np.asarray(noise_image(seed=11)))


@pytest.mark.parametrize("prefix", ["", "dataset/"])
def test_our_own_manifest_and_dataset_json_are_accepted(tmp_path: Path, prefix: str) -> None:
    members = {
        f"{prefix}manifest.jsonl": b'{"file": "cats/0.png", "label": "cats"}\n',
        f"{prefix}dataset.json": b"{}",
        **good_members(prefix),
    }
    path = make_zip(tmp_path / "ours.zip", members)
    assert inspect_archive(path).images == 6
    assert len(list(read_image_folder(path))) == 6


def test_desktop_archiver_litter_is_skipped(tmp_path: Path) -> None:
    members = {
        "__MACOSX/cats/._0.png": b"\x00\x05\x16\x07resource fork",
        ".DS_Store": b"\x00\x00\x00\x01Bud1",
        "cats/.DS_Store": b"\x00\x00\x00\x01Bud1",
        "cats/._0.png": b"\x00\x05\x16\x07",
        "dogs/Thumbs.db": b"\xd0\xcf\x11\xe0",
        **good_members(),
    }
    path = make_zip(tmp_path / "mac.zip", members)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(zipfile.ZipInfo("cats/"), b"")  # a folder entry
    assert inspect_archive(path).counts == {"cats": 3, "dogs": 3}
    assert len(list(read_image_folder(path))) == 6


def test_a_single_label_is_allowed(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "one.zip", {"cats/a.png": png(), "cats/b.png": png(1)})
    assert inspect_archive(path).labels == ["cats"]
    wrapped = make_zip(tmp_path / "wrapped.zip", {"root/cats/a.png": png()})
    assert inspect_archive(wrapped).labels == ["cats"]


def test_jpeg_webp_and_other_formats_are_decoded_to_rgb(tmp_path: Path) -> None:
    transparent = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    members = {
        "a/photo.jpg": encoded(noise_image(), "JPEG"),
        "a/photo.webp": encoded(noise_image(), "WEBP"),
        "a/scan.tiff": encoded(noise_image(), "TIFF"),
        "a/icon.gif": encoded(noise_image().convert("P"), "GIF"),
        "a/old.BMP": encoded(noise_image(), "BMP"),
        "a/clear.png": encoded(transparent),
        "a/grey.png": encoded(noise_image().convert("L")),
    }
    path = make_zip(tmp_path / "formats.zip", members)
    images = {image.member: image for image in read_image_folder(path)}
    formats = {member: image.original_format for member, image in images.items()}
    assert formats == {
        "a/clear.png": "PNG",
        "a/grey.png": "PNG",
        "a/icon.gif": "GIF",
        "a/old.BMP": "BMP",
        "a/photo.jpg": "JPEG",
        "a/photo.webp": "WEBP",
        "a/scan.tiff": "TIFF",
    }
    assert {image.image.mode for image in images.values()} == {"RGB"}
    assert images["a/clear.png"].image.getpixel((0, 0)) == (255, 255, 255)


def test_labels_keep_unicode_and_are_normalized(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "unicode.zip", {"cafe\u0301/1.png": png(), "猫/1.png": png()})
    assert inspect_archive(path).labels == ["caf\u00e9", "猫"]


def test_utf8_names_without_the_utf8_flag_are_read_as_utf8(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "flagless.zip", {"caf\u00e9/1.png": png()})
    patch_central_directory(path, FLAGS_OFFSET, 0)
    patch_central_directory(path, LOCAL_FLAGS_OFFSET, 0, signature=LOCAL_HEADER)
    images = list(read_image_folder(path))
    assert [image.label for image in images] == ["caf\u00e9"]


# Not a ZIP at all


@pytest.mark.parametrize(
    "content",
    [b"", b"just some text, not a zip", png(), b"PK\x03\x04" + bytes(100)],
    ids=["empty", "text", "png", "bare-local-header"],
)
def test_what_is_not_a_zip_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "upload.zip"
    path.write_bytes(content)
    refused(path, "not a ZIP archive")


def test_a_truncated_zip_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "cut.zip", good_members())
    path.write_bytes(path.read_bytes()[:-30])
    refused(path, "not a ZIP archive")


def test_an_archive_over_the_size_limit_is_too_large(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "big.zip", good_members())
    with pytest.raises(PayloadTooLarge, match="at most 100 are allowed"):
        inspect_archive(path, ArchiveLimits(max_archive_bytes=100))


# Layout


@pytest.mark.parametrize(
    ("members", "fragments"),
    [
        ({"loose.png": png()}, ["'loose.png'", "outside a label folder"]),
        ({"cats/0.png": png(), "notes.md": b"hi"}, ["'notes.md'", "outside a label folder"]),
        ({"cats/sub/0.png": png(), "dogs/0.png": png()}, ["'cats/sub/0.png'", "too deeply"]),
        ({"root/cats/sub/0.png": png()}, ["'root/cats/sub/0.png'", "too deeply"]),
        ({"cats/0.png": png(), "cats/sub/1.png": png()}, ["'cats/sub/1.png'", "too deeply"]),
        ({"cats/notes.txt": b"hello"}, ["'cats/notes.txt'", "is not an image"]),
        ({"cats/manifest.jsonl": b"{}"}, ["'cats/manifest.jsonl'", "is not an image"]),
        ({"manifest.jsonl": b"{}", "dataset.json": b"{}"}, ["the archive has no images"]),
        ({}, ["the archive has no images"]),
        ({"__MACOSX/cats/._0.png": b"x"}, ["the archive has no images"]),
    ],
)
def test_a_wrong_layout_is_refused(
    tmp_path: Path, members: dict[str, bytes], fragments: list[str]
) -> None:
    path = make_zip(tmp_path / "layout.zip", members)
    refused(path, *fragments)
    with pytest.raises(InvalidInput):
        inspect_archive(path)


# Unsafe paths and file types


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("/etc/cats/x.png", "absolute path"),
        ("C:/cats/x.png", "absolute path"),
        ("C:\\cats\\x.png", "absolute path"),
        ("cats\\x.png", "backslash"),
        ("../cats/x.png", "path traversal"),
        ("cats/../../x.png", "path traversal"),
        ("__MACOSX/../../x.png", "path traversal"),
        ("cats//x.png", "empty or '.' folder"),
        ("./cats/x.png", "empty or '.' folder"),
        ("cats/x\x01.png", "control character"),
    ],
)
def test_unsafe_paths_are_refused(tmp_path: Path, name: str, reason: str) -> None:
    path = make_zip(tmp_path / "unsafe.zip", {name: png(), **good_members()})
    error = refused(path, repr(name), reason)
    assert error.extra["member"] == name


@pytest.mark.parametrize(
    ("file_type", "reason"),
    [(stat.S_IFLNK, "symbolic link"), (stat.S_IFIFO, "not a regular file")],
)
def test_links_and_special_files_are_refused(tmp_path: Path, file_type: int, reason: str) -> None:
    path = make_zip(tmp_path / "special.zip", good_members())
    info = zipfile.ZipInfo("cats/link.png")
    info.create_system = 3
    info.external_attr = (file_type | 0o777) << 16
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(info, "/etc/passwd")
    refused(path, "'cats/link.png'", reason)


def test_names_that_differ_only_in_case_are_duplicates(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "case.zip", {"cats/a.png": png(), "CATS/A.PNG": png(1)})
    refused(path, "'CATS/A.PNG'", "occurs twice")


def test_exact_duplicate_names_are_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "twice.zip", good_members())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile's "Duplicate name"
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("cats/0.png", png(5))
    refused(path, "'cats/0.png'", "occurs twice")


def test_encrypted_members_are_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "secret.zip", {"cats/0.png": png()})
    patch_central_directory(path, FLAGS_OFFSET, 0x1)
    refused(path, "'cats/0.png'", "encrypted")


def test_unknown_compression_methods_are_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "deflate64.zip", {"cats/0.png": png()})
    patch_central_directory(path, METHOD_OFFSET, 9)
    refused(path, "'cats/0.png'", "unsupported compression method (9)")


# Sizes, ratios and bombs


def write_zeros_member(path: Path, name: str, megabytes: int) -> Path:
    """A ZIP whose one member is ``megabytes`` MiB of zeros, streamed so none of it is held."""
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w") as archive, archive.open(info, "w") as member:
        for _ in range(megabytes):
            member.write(bytes(MIB))
    return path


def test_a_zip_bomb_is_refused_before_decompressing(tmp_path: Path) -> None:
    path = write_zeros_member(tmp_path / "bomb.zip", "cats/bomb.png", 20)
    assert path.stat().st_size < MIB // 10
    with pytest.raises(InvalidInput, match=r"'cats/bomb.png' is compressed \d+:1, more than"):
        inspect_archive(path)
    refused(path, "'cats/bomb.png'", "200:1 allowed")


def test_a_lying_size_in_the_central_directory_is_caught(tmp_path: Path) -> None:
    path = write_zeros_member(tmp_path / "liar.zip", "cats/liar.png", 2)
    patch_central_directory(path, FILE_SIZE_OFFSET, 100, "<I")
    assert inspect_archive(path).images == 1  # the directory alone looks harmless
    refused(path, "'cats/liar.png'", "is corrupt")


def test_a_member_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "large.zip", good_members())
    limits = ArchiveLimits(max_member_bytes=100)
    refused(path, "'cats/0.png'", "expands to more than 100 bytes", limits=limits)


def test_archives_claiming_too_much_in_total_are_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "total.zip", good_members())
    total = sum(len(data) for data in good_members().values())
    limits = ArchiveLimits(max_total_bytes=total - 1)
    refused(path, f"expands to {total} bytes", limits=limits)


def test_too_many_members_are_refused_before_zipfile_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_zip(tmp_path / "many.zip", good_members())

    def unexpected(*args: object, **kwargs: object) -> None:
        raise AssertionError("zipfile should not have been asked to parse the archive")

    monkeypatch.setattr(zipfile, "ZipFile", unexpected)
    with pytest.raises(InvalidInput, match="more than 5 members"):
        inspect_archive(path, ArchiveLimits(max_members=5))


def test_the_member_count_limit_is_inclusive(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "six.zip", good_members())
    assert inspect_archive(path, ArchiveLimits(max_members=6)).images == 6


def test_the_central_directory_is_found_for_the_early_member_count(tmp_path: Path) -> None:
    # Guards the use of zipfile's end-record reader: without it the early count is skipped.
    path = make_zip(tmp_path / "span.zip", good_members())
    span = archive_module._central_directory_span(path)
    assert span is not None
    start, size = span
    directory = path.read_bytes()[start : start + size]
    assert directory.count(CENTRAL_DIRECTORY) == 6
    assert directory.startswith(CENTRAL_DIRECTORY)


def open_member(tmp_path: Path, megabytes: int) -> tuple[zipfile.ZipFile, zipfile.ZipInfo]:
    path = write_zeros_member(tmp_path / "stream.zip", "cats/zeros.png", megabytes)
    archive = zipfile.ZipFile(path)
    return archive, archive.infolist()[0]


@pytest.mark.parametrize(
    ("limits", "allowance", "message"),
    [
        (ArchiveLimits(max_member_bytes=MIB), 10 * MIB, "expands to more than 1048576 bytes"),
        (ArchiveLimits(max_ratio=2.0), 10 * MIB, "more than the 2:1 allowed"),
        (ArchiveLimits(max_total_bytes=3 * MIB), MIB // 2, "more than 3145728 bytes"),
    ],
)
def test_real_sizes_are_counted_while_decompressing(
    tmp_path: Path, limits: ArchiveLimits, allowance: int, message: str
) -> None:
    # The header checks come first in read_image_folder; here the streaming ones face the
    # member alone, as they would when a header lies in a way zipfile does not catch.
    archive, info = open_member(tmp_path, 3)
    with archive, pytest.raises(InvalidInput, match=message):
        archive_module._read_member(archive, info, info.filename, limits, allowance)


def test_small_members_are_never_refused_for_their_ratio(tmp_path: Path) -> None:
    blank = encoded(Image.new("RGB", (300, 300), (255, 255, 255)), "BMP")  # ~270 KB, ~1000:1
    path = make_zip(tmp_path / "blank.zip", {"white/blank.bmp": blank})
    assert len(list(read_image_folder(path))) == 1


# Images that are not what they claim


def test_a_png_that_is_really_text_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "fake.zip", {"cats/fake.png": b"I am text", **good_members()})
    inspect_archive(path)  # the extension passes; the content does not
    refused(path, "'cats/fake.png'", "is not an image")


def test_a_format_outside_the_list_is_not_decoded(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "ico.zip", {"cats/icon.png": encoded(noise_image(), "ICO")})
    refused(path, "'cats/icon.png'", "is not an image")


def test_a_truncated_image_is_refused(tmp_path: Path) -> None:
    data = encoded(noise_image(64, 64))
    path = make_zip(tmp_path / "cut.zip", {"cats/cut.png": data[: len(data) // 2]})
    refused(path, "'cats/cut.png'", "damaged image")


def test_a_pixel_bomb_header_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "pixels.zip", {"cats/huge.png": png_claiming(100_000, 100_000)})
    refused(path, "'cats/huge.png'", "pixels; at most 64000000 are allowed")


def test_an_image_over_the_pixel_limit_is_refused_before_decoding(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "wide.zip", {"cats/wide.png": encoded(noise_image(200, 100))})
    limits = ArchiveLimits(max_pixels=10_000)
    refused(path, "'cats/wide.png' has 200x100 pixels", limits=limits)
    assert len(list(read_image_folder(path, ArchiveLimits(max_pixels=20_000)))) == 1
