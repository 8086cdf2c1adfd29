"""The ImageFolder format: safe folder names, manifest lines, deterministic PNGs and ZIPs."""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from synthfoundry.errors import InvalidInput
from synthfoundry.images.archive import read_image_folder
from synthfoundry.images.folder import (
    DATASET_JSON,
    MANIFEST,
    MANIFEST_FIELD_TYPES,
    THUMBNAIL_EDGE,
    ManifestEntry,
    image_name,
    label_folders,
    png_bytes,
    thumbnail_bytes,
    to_rgb,
    write_zip,
)


def noise_image(width: int = 64, height: int = 48, seed: int = 0) -> Image.Image:
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def png_chunk_types(data: bytes) -> list[bytes]:
    types = []
    position = 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        types.append(data[position + 4 : position + 8])
        position += 12 + length
    return types


# label_folders


@pytest.mark.parametrize(
    ("label", "folder"),
    [
        ("cute cat", "cute cat"),
        ("chat été 猫", "chat été 猫"),
        ("a/b", "a_b"),
        ("a\\b", "a_b"),
        ("a:b", "a_b"),
        ("bell\x07\x00end", "bell__end"),
        ("line\u2028break", "line_break"),
        ('q?*"<>|', "q______"),
        (".hidden", "hidden"),
        ("...dots", "dots"),
        ("trailing. ", "trailing"),
        ("  padded  ", "padded"),
        (".", "label"),
        ("..", "label"),
        ("", "label"),
        ("   ", "label"),
        ("/", "_"),
        ("CON", "_CON"),
        ("aux.txt", "_aux.txt"),
        ("console", "console"),
        ("cafe\u0301", "caf\u00e9"),  # NFD -> NFC, as macOS would fold them together
    ],
)
def test_label_folders_keep_labels_readable_and_safe(label: str, folder: str) -> None:
    assert label_folders([label]) == {label: folder}


def test_long_labels_are_cut_to_100_characters_and_255_bytes() -> None:
    long_ascii, long_emoji = "x" * 300, "\U0001f431" * 100
    folders = label_folders([long_ascii, long_emoji])
    assert folders[long_ascii] == "x" * 100
    assert set(folders[long_emoji]) == {"\U0001f431"}
    assert len(folders[long_emoji].encode("utf-8")) <= 255


@pytest.mark.parametrize(
    ("labels", "folders"),
    [
        (["cat", "Cat", "CAT"], ["cat", "Cat (2)", "CAT (3)"]),
        (["a/b", "a:b", "a\\b"], ["a_b", "a_b (2)", "a_b (3)"]),
        ([".", "..", ""], ["label", "label (2)", "label (3)"]),
        (["cat", "cat (2)", "Cat"], ["cat", "cat (2)", "Cat (3)"]),
        (["x" * 150, "x" * 120], ["x" * 100, "x" * 96 + " (2)"]),
    ],
)
def test_colliding_labels_get_numbered_folders(labels: list[str], folders: list[str]) -> None:
    assert list(label_folders(labels).values()) == folders


def test_a_repeated_label_keeps_one_folder() -> None:
    assert label_folders(["dog", "cat", "dog"]) == {"dog": "dog", "cat": "cat"}


def test_image_name() -> None:
    assert image_name("cute cat", 7) == "cute cat/00007.png"
    assert image_name("dogs", 123456, "jpg") == "dogs/123456.jpg"


# PNG, thumbnails and RGB conversion


def test_png_bytes_are_deterministic_and_carry_no_metadata() -> None:
    image = noise_image()
    image.info.update({"icc_profile": b"fake profile", "comment": "hello", "dpi": (300, 300)})
    first, second = png_bytes(image), png_bytes(noise_image())
    assert first == second
    assert png_chunk_types(first) == [b"IHDR", b"IDAT", b"IEND"]
    with Image.open(io.BytesIO(first)) as decoded:
        assert np.array_equal(np.asarray(decoded), np.asarray(image))


@pytest.mark.parametrize(("size", "fitted"), [((300, 150), (128, 64)), ((90, 400), (29, 128))])
def test_thumbnails_fit_in_the_edge_keeping_the_aspect(
    size: tuple[int, int], fitted: tuple[int, int]
) -> None:
    with Image.open(io.BytesIO(thumbnail_bytes(noise_image(*size)))) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert thumbnail.mode == "RGB"
        assert thumbnail.size == fitted


def test_small_and_transparent_images_make_thumbnails_too() -> None:
    transparent = Image.new("RGBA", (40, 30), (0, 0, 0, 0))
    with Image.open(io.BytesIO(thumbnail_bytes(transparent))) as thumbnail:
        assert thumbnail.size == (40, 30)
        assert np.asarray(thumbnail).min() > 245  # white, not black
    with Image.open(io.BytesIO(thumbnail_bytes(noise_image(500, 500), edge=32))) as small:
        assert max(small.size) == 32
    assert THUMBNAIL_EDGE == 128


def test_to_rgb_flattens_transparency_and_scales_16_bit() -> None:
    rgba = Image.new("RGBA", (2, 1), (10, 20, 30, 255))
    rgba.putpixel((1, 0), (10, 20, 30, 0))
    assert np.asarray(to_rgb(rgba)).tolist() == [[[10, 20, 30], [255, 255, 255]]]
    deep = Image.fromarray(np.array([[0, 32768, 65535]], dtype=np.uint16))
    assert np.asarray(to_rgb(deep))[0, :, 0].tolist() == [0, 128, 255]
    palette = Image.new("P", (1, 1), 0)
    palette.info["transparency"] = 0
    assert to_rgb(palette).getpixel((0, 0)) == (255, 255, 255)


# ManifestEntry


def full_entry() -> ManifestEntry:
    return ManifestEntry(
        file="chat noir/00001.png",
        label="chat noir",
        seed=2**53 - 1,
        noise_sigma=3.5,
        prompt="a black cat, «photo»\u2028line",
        negative_prompt=None,
        model="stabilityai/sd-turbo",
        steps=4,
        guidance_scale=0.0,
        width=512,
        height=512,
        seconds=1.25,
        noise_seed=7,
        source="chat noir/00000.png",
        augmentation={"flip": None, "crop": [0, 1, 2, 3], "color": {"brightness": 1.1}},
    )


def test_manifest_entries_round_trip_through_one_sorted_line() -> None:
    entry = full_entry()
    line = entry.to_json()
    assert "\n" not in line
    assert len(line.splitlines()) == 1  # U+2028 stays escaped
    assert "«photo»" in line  # other text stays readable
    data = json.loads(line)
    assert list(data) == sorted(data)
    assert data["negative_prompt"] is None
    assert ManifestEntry.from_json(line) == entry


def test_a_minimal_manifest_entry_keeps_its_nulls() -> None:
    entry = ManifestEntry(file="a/00001.png", label="a")
    data = json.loads(entry.to_json())
    assert data["seed"] is None
    assert data["augmentation"] is None
    assert ManifestEntry.from_json(entry.to_json()) == entry


def test_manifest_lines_are_read_leniently_where_safe() -> None:
    line = '{"file": "a/1.png", "label": "a", "noise_sigma": 2, "future_field": true}'
    entry = ManifestEntry.from_json(line)
    assert entry.noise_sigma == 2.0
    assert isinstance(entry.noise_sigma, float)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"file": "a/1.png"}', "no 'label'"),
        ('{"file": "a/1.png", "label": 3}', "'label' must be str"),
        ('{"file": "a/1.png", "label": "a", "seed": "7"}', "'seed' must be int or null"),
        ('{"file": "a/1.png", "label": "a", "steps": true}', "'steps' must be int"),
        ('{"file": "a/1.png", "label": "a", "width": null}', "'width' must be int"),
        ('{"file": "a/1.png", "label": "a", "augmentation": []}', "'augmentation' must be"),
    ],
)
def test_bad_manifest_lines_are_refused(line: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        ManifestEntry.from_json(line)


def test_every_manifest_field_has_its_json_types() -> None:
    assert set(MANIFEST_FIELD_TYPES) == {field.name for field in fields(ManifestEntry)}


# write_zip


def dataset_files(root: Path) -> list[tuple[str, Path]]:
    """A downloadable dataset as the builder lays it out: label folders, manifest, summary."""
    entries: list[tuple[str, Path]] = []
    manifest_lines = []
    for label_number, label in enumerate(["cats", "dogs"]):
        for index in range(1, 4):
            name = image_name(label, index)
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(png_bytes(noise_image(seed=label_number * 10 + index)))
            entries.append((name, path))
            manifest_lines.append(ManifestEntry(file=name, label=label, seed=index).to_json())
    (root / MANIFEST).write_text("\n".join(manifest_lines) + "\n", encoding="utf-8")
    (root / DATASET_JSON).write_text(json.dumps({"labels": ["cats", "dogs"]}), encoding="utf-8")
    return [(MANIFEST, root / MANIFEST), (DATASET_JSON, root / DATASET_JSON), *entries]


def test_write_zip_gives_the_same_bytes_for_the_same_files(tmp_path: Path) -> None:
    entries = dataset_files(tmp_path / "files")
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    size = write_zip(entries, first)
    for _name, path in entries:
        os.utime(path, (1_700_000_000, 1_700_000_000))  # a later clock changes nothing
    write_zip(entries, second)
    assert size == first.stat().st_size
    assert first.read_bytes() == second.read_bytes()


def test_write_zip_stores_images_and_deflates_text(tmp_path: Path) -> None:
    destination = tmp_path / "dataset.zip"
    write_zip(dataset_files(tmp_path / "files"), destination)
    with zipfile.ZipFile(destination) as archive:
        assert archive.testzip() is None
        infos = {info.filename: info for info in archive.infolist()}
    assert infos[MANIFEST].compress_type == zipfile.ZIP_DEFLATED
    assert infos[DATASET_JSON].compress_type == zipfile.ZIP_DEFLATED
    assert infos["cats/00001.png"].compress_type == zipfile.ZIP_STORED
    assert {info.date_time for info in infos.values()} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos.values()} == {0o644}


def test_write_zip_refuses_a_name_given_twice(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(png_bytes(noise_image()))
    with pytest.raises(ValueError, match="given twice"):
        write_zip([("a/1.png", path), ("a/1.png", path)], tmp_path / "out.zip")


def test_a_downloaded_dataset_uploads_again(tmp_path: Path) -> None:
    destination = tmp_path / "dataset.zip"
    write_zip(dataset_files(tmp_path / "files"), destination)
    uploaded = list(read_image_folder(destination))
    assert [(image.label, image.member) for image in uploaded] == [
        (label, image_name(label, index)) for label in ("cats", "dogs") for index in range(1, 4)
    ]
    assert np.array_equal(np.asarray(uploaded[0].image), np.asarray(noise_image(seed=1)))


def test_labels_never_take_the_names_of_the_datasets_own_files() -> None:
    folders = label_folders(["manifest.jsonl", "Dataset.JSON", "ATTRIBUTION.txt", "cat"])
    assert folders == {
        "manifest.jsonl": "manifest.jsonl (2)",
        "Dataset.JSON": "Dataset.JSON (2)",
        "ATTRIBUTION.txt": "ATTRIBUTION.txt (2)",
        "cat": "cat",
    }
