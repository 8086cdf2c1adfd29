"""Building an image dataset in a local folder (images, thumbnails, manifest, ZIP) and then
publishing it to storage: the one path for generated, augmented and uploaded datasets."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from synthfoundry import layout
from synthfoundry.images.folder import (
    ATTRIBUTION,
    DATASET_JSON,
    MANIFEST,
    ManifestEntry,
    image_name,
    label_folders,
    png_bytes,
    thumbnail_bytes,
    write_zip,
)
from synthfoundry.storage import BlobStore

ZIP_NAME = "dataset.zip"


def thumbnail_of(file: str) -> str:
    """The thumbnail's path for an image's path in the dataset."""
    return file.rsplit(".", 1)[0] + ".jpg"


class DatasetBuilder:
    """Images are added one at a time (written at once, so memory stays flat); ``finish``
    writes the manifest's summary and the ZIP; ``publish`` copies everything to storage."""

    def __init__(self, root: Path, labels: Sequence[str]) -> None:
        self.root = root
        self.data = root / "data"
        self.thumbnails = root / "thumbnails"
        self.labels = list(labels)
        self.folders = label_folders(self.labels)
        self.counts: Counter[str] = Counter()
        self.data.mkdir(parents=True, exist_ok=True)
        self.thumbnails.mkdir(parents=True, exist_ok=True)
        self._manifest = (self.data / MANIFEST).open("w", encoding="utf-8")
        self._attributions: list[str] = []

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, image: Image.Image, label: str, **fields: Any) -> ManifestEntry:
        self.counts[label] += 1
        file = image_name(self.folders[label], self.counts[label])
        target = self.data / file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(png_bytes(image))
        thumbnail = self.thumbnails / thumbnail_of(file)
        thumbnail.parent.mkdir(parents=True, exist_ok=True)
        thumbnail.write_bytes(thumbnail_bytes(image))
        entry = ManifestEntry(
            file=file, label=label, width=image.width, height=image.height, **fields
        )
        self._manifest.write(entry.to_json() + "\n")
        if entry.attribution:
            self._attributions.append(f"{file}: {entry.attribution}")
        return entry

    def finish(self, description: dict[str, Any]) -> None:
        """Close the manifest and write ``dataset.json`` beside it."""
        self._manifest.close()
        summary = {
            **description,
            "labels": {label: self.counts[label] for label in self.labels},
            "folders": self.folders,
            "file_count": self.total,
            "layout": "ImageFolder: <label>/<number>.png; manifest.jsonl has one line per image",
        }
        (self.data / DATASET_JSON).write_text(json.dumps(summary, indent=2, sort_keys=True))
        if self._attributions:
            lines = [
                "Images in this dataset and their sources, creators and licenses:",
                "",
                *self._attributions,
            ]
            (self.data / ATTRIBUTION).write_text("\n".join(lines) + "\n", encoding="utf-8")

    def archive(self) -> Path:
        """Write the ZIP of the data folder (the download); return its path."""
        files = sorted(path for path in self.data.rglob("*") if path.is_file())
        archive = self.root / ZIP_NAME
        write_zip(((path.relative_to(self.data).as_posix(), path) for path in files), archive)
        return archive

    def entries(self) -> Iterator[ManifestEntry]:
        with (self.data / MANIFEST).open(encoding="utf-8") as lines:
            for line in lines:
                yield ManifestEntry.from_json(line)

    def publish(self, storage: BlobStore, folder: str) -> int:
        """Copy the dataset under ``folder`` in storage; return the ZIP's size in bytes."""
        for path in sorted(self.data.rglob("*")):
            if path.is_file():
                with path.open("rb") as source:
                    storage.put(data_key(folder, path.relative_to(self.data).as_posix()), source)
        for path in sorted(self.thumbnails.rglob("*")):
            if path.is_file():
                key = thumbnail_key(folder, path.relative_to(self.thumbnails).as_posix())
                with path.open("rb") as source:
                    storage.put(key, source)
        archive = self.root / ZIP_NAME
        with archive.open("rb") as source:
            storage.put(zip_key(folder), source)
        return archive.stat().st_size

    def close(self) -> None:
        self._manifest.close()


def data_key(folder: str, file: str) -> str:
    return f"{folder}data/{file}"


def thumbnail_key(folder: str, file: str) -> str:
    return f"{folder}thumbnails/{thumbnail_of(file)}"


def zip_key(folder: str) -> str:
    return f"{folder}{ZIP_NAME}"


def folder_for(owner_id: Any, dataset_id: Any) -> str:
    return layout.object_folder(layout.IMAGE_DATASETS, owner_id, dataset_id)
