"""Image datasets over HTTP with real (tiny, random-weight) diffusers pipelines: generate,
determinism, noise, previews, pages, ZIP, augment, upload, cancel, failures and ownership."""

from __future__ import annotations

import base64
import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from synthfoundry.config import Settings
from synthfoundry.db import Database
from tests.support.accounts import Account, signed_in
from tests.support.jobs import wait_job

URL = "/v1/image-datasets"


def make(client: TestClient, account: Account, body: dict[str, Any], seconds: float = 120) -> dict:
    """Submit a dataset, wait for its job, return the dataset."""
    accepted = client.post(URL, json=body, headers=account.headers)
    assert accepted.status_code == 202, accepted.text
    job = wait_job(client, account, accepted.json()["id"], seconds=seconds)
    found: dict = client.get(f"{URL}/{job['target_id']}", headers=account.headers).json()
    return found | {"_job": job}


def zip_members(client: TestClient, account: Account, dataset_id: str) -> dict[str, bytes]:
    answer = client.get(f"{URL}/{dataset_id}/download", headers=account.headers)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float64)


def stored_files(settings: Settings, folder: str) -> list[Path]:
    root = Path(settings.storage_url.removeprefix("file://")) / folder
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_generate_download_preview_pages_noise_and_determinism(
    client: TestClient, migrated_database: Database, tiny_sdxl: Path
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    body = {
        "labels": ["cat", "red dog"],
        "images_per_label": 3,
        "seed": 7,
        "steps": 2,
        "model": str(tiny_sdxl),
    }

    clean = make(client, owner, body)

    job = clean["_job"]
    assert job["status"] == "succeeded", job
    assert [stage["name"] for stage in job["stages"]] == [
        "load_model",
        "generate",
        "post_process",
        "package",
    ]
    assert clean["status"] == "ready" and clean["file_count"] == 6
    assert clean["device_used"] == "cpu" and clean["generation_time"] > 0
    members = zip_members(client, owner, clean["id"])
    images = sorted(name for name in members if name.endswith(".png"))
    assert images == [f"{label}/{n:05d}.png" for label in ("cat", "red dog") for n in (1, 2, 3)]
    manifest = [json.loads(line) for line in members["manifest.jsonl"].splitlines()]
    assert [entry["file"] for entry in manifest] == images
    first = manifest[0]
    assert first["label"] == "cat" and first["prompt"] == "a photo of cat"
    assert first["noise_sigma"] == 0 and first["model"] == str(tiny_sdxl)
    assert len({entry["seed"] for entry in manifest}) == 6
    summary = json.loads(members["dataset.json"])
    assert summary["labels"] == {"cat": 3, "red dog": 3} and summary["file_count"] == 6

    preview = client.get(f"{URL}/{clean['id']}/preview?limit=4", headers=owner.headers).json()
    assert [thumb["label"] for thumb in preview] == ["cat", "red dog", "cat", "red dog"]
    thumbnail = Image.open(io.BytesIO(base64.b64decode(preview[0]["data"])))
    assert thumbnail.format == "JPEG" and max(thumbnail.size) <= 128

    page = client.get(f"{URL}/{clean['id']}/images?limit=4", headers=owner.headers).json()
    assert [image["image_id"] for image in page["items"]] == [1, 2, 3, 4]
    rest = client.get(
        f"{URL}/{clean['id']}/images?limit=4&cursor={page['next_cursor']}", headers=owner.headers
    ).json()
    assert [image["image_id"] for image in rest["items"]] == [5, 6] and rest["next_cursor"] is None
    dogs = client.get(f"{URL}/{clean['id']}/images?label=red dog", headers=owner.headers).json()
    assert {image["label"] for image in dogs["items"]} == {"red dog"}
    one = client.get(f"{URL}/{clean['id']}/images/4", headers=owner.headers)
    assert one.headers["content-type"] == "image/png" and one.content == members[images[3]]

    again = make(client, owner, body)
    repeated = zip_members(client, owner, again["id"])
    assert {name: repeated[name] for name in images} == {name: members[name] for name in images}
    # One long-lived worker kept the pipeline loaded for the second job.
    assert again["_job"]["worker_id"] == job["worker_id"]

    noisy = make(client, owner, body | {"noise_level": 0.5})
    noisy_members = zip_members(client, owner, noisy["id"])
    noisy_manifest = [json.loads(line) for line in noisy_members["manifest.jsonl"].splitlines()]
    sigma = 0.25 * 0.5 * 255
    assert {entry["noise_sigma"] for entry in noisy_manifest} == {sigma}
    difference = np.concatenate(
        [(pixels(noisy_members[name]) - pixels(members[name])).ravel() for name in images]
    )
    # Clipping at 0 and 255 can only shrink the spread.
    assert 0.6 * sigma < difference.std() < 1.05 * sigma


def test_class_label_and_output_size_of_the_original_service(
    client: TestClient, migrated_database: Database, tiny_sd15: Path
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    made = make(
        client,
        owner,
        {"class_label": "boat", "output_size": 2, "model": str(tiny_sd15), "steps": 2},
    )
    assert made["status"] == "ready" and made["labels"] == ["boat"] and made["file_count"] == 2
    listed = client.get(URL, headers=owner.headers).json()["items"]
    assert [(item["id"], item["status"], item["file_count"]) for item in listed] == [
        (made["id"], "ready", 2)
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"labels": []}, "labels"),
        ({"labels": ["cat", " "]}, "labels"),
        ({"labels": ["cat", "cat"]}, "labels"),
        ({"labels": [f"l{n}" for n in range(101)]}, "labels"),
        ({"noise_level": 1.5}, "noise_level"),
        ({"width": 100}, "width"),
        ({"images_per_label": 10_001}, "images_per_label"),
        ({"prompt_template": "a photo"}, "prompt_template"),
        ({"model": "not a model!!"}, "model"),
        ({"model": "/etc"}, "model"),
    ],
)
def test_bad_requests_name_the_field(
    client: TestClient, migrated_database: Database, change: dict[str, Any], field: str
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    body = {"labels": ["cat"], "images_per_label": 1} | change
    answer = client.post(URL, json=body, headers=owner.headers)
    assert answer.status_code == 422, answer.text
    assert field in answer.text
    assert client.get(URL, headers=owner.headers).json()["items"] == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_model_paths_outside_the_model_folders_reveal_nothing(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    for path in ("/etc/passwd", "/root", "/no/such/place"):
        answer = client.post(URL, json={"labels": ["cat"], "model": path}, headers=owner.headers)
        assert answer.status_code == 422
        assert "must be under the model folders" in answer.json()["detail"], path


def test_a_model_that_cannot_load_fails_its_job_and_leaves_nothing(
    client: TestClient, migrated_database: Database, settings: Settings, tmp_path: Path
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    missing = tmp_path / "no-such-model"
    made = make(client, owner, {"labels": ["cat"], "model": str(missing)})
    assert made["_job"]["status"] == "failed"
    assert made["status"] == "failed" and str(missing) in made["error"]
    assert made["file_count"] is None
    assert stored_files(settings, f"images/{made['owner_id']}/{made['id']}") == []


def test_cancel_mid_job_leaves_no_files(
    client: TestClient, migrated_database: Database, settings: Settings, tiny_sdxl: Path
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    body = {"labels": ["a", "b"], "images_per_label": 2000, "model": str(tiny_sdxl)}
    accepted = client.post(URL, json=body, headers=owner.headers).json()
    dataset_id = accepted["target_id"]
    deadline_job = wait_job(client, owner, accepted["id"], until={"running"})
    assert deadline_job["status"] == "running"
    deadline = time.monotonic() + 60
    while (
        client.get(f"/v1/jobs/{accepted['id']}", headers=owner.headers)
        .json()["progress"]
        .get("stage")
        != "generate"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    busy = client.delete(f"{URL}/{dataset_id}", headers=owner.headers)
    assert busy.status_code == 409
    cancelled = client.post(f"{URL}/{dataset_id}/cancel", headers=owner.headers)
    assert cancelled.status_code == 202, cancelled.text
    job = wait_job(client, owner, accepted["id"])
    assert job["status"] == "cancelled"
    dataset = client.get(f"{URL}/{dataset_id}", headers=owner.headers).json()
    assert dataset["status"] == "cancelled" and dataset["file_count"] is None
    assert stored_files(settings, f"images/{dataset['owner_id']}/{dataset_id}") == []
    not_ready = client.get(f"{URL}/{dataset_id}/download", headers=owner.headers)
    assert not_ready.status_code == 409


def image_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def png(colour: tuple[int, int, int], size: tuple[int, int] = (32, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_upload_augment_download_and_delete(
    client: TestClient, migrated_database: Database, settings: Settings
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    archive = image_zip(
        {
            "pets/cat/a.png": png((200, 10, 10)),
            "pets/cat/b.png": png((10, 200, 10)),
            "pets/dog/c.png": png((10, 10, 200)),
        }
    )
    answer = client.post(
        f"{URL}/upload",
        files={"file": ("pets.zip", archive, "application/zip")},
        headers=owner.headers,
    )
    assert answer.status_code == 201, answer.text
    uploaded = answer.json()
    assert uploaded["status"] == "ready" and uploaded["source"] == "uploaded"
    assert uploaded["labels"] == ["cat", "dog"] and uploaded["file_count"] == 3
    assert uploaded["name"] == "pets"

    accepted = client.post(
        f"{URL}/{uploaded['id']}/augment",
        json={"variants_per_image": 2, "seed": 3},
        headers=owner.headers,
    )
    assert accepted.status_code == 202, accepted.text
    job = wait_job(client, owner, accepted.json()["id"], seconds=60)
    assert job["status"] == "succeeded", job
    augmented = client.get(f"{URL}/{job['target_id']}", headers=owner.headers).json()
    assert augmented["file_count"] == 9 and augmented["source_dataset_id"] == uploaded["id"]
    members = zip_members(client, owner, augmented["id"])
    manifest = [json.loads(line) for line in members["manifest.jsonl"].splitlines()]
    variants = [entry for entry in manifest if entry["augmentation"]]
    assert len(variants) == 6 and {entry["label"] for entry in variants} == {"cat", "dog"}
    assert all(Image.open(io.BytesIO(members[e["file"]])).size == (32, 24) for e in manifest)

    # The downloaded ZIP goes back up as it is.
    again = client.post(
        f"{URL}/upload",
        files={"file": ("again.zip", zip_members_bytes(members), "application/zip")},
        headers=owner.headers,
    )
    assert again.status_code == 201 and again.json()["file_count"] == 9

    renamed = client.patch(
        f"{URL}/{uploaded['id']}", json={"name": "pets 2"}, headers=owner.headers
    )
    assert renamed.json()["name"] == "pets 2"
    folder = f"images/{uploaded['owner_id']}/{uploaded['id']}"
    assert stored_files(settings, folder)
    assert client.delete(f"{URL}/{uploaded['id']}", headers=owner.headers).status_code == 204
    assert stored_files(settings, folder) == []
    gone = client.get(f"{URL}/{uploaded['id']}", headers=owner.headers)
    assert gone.status_code == 404


def zip_members_bytes(members: dict[str, bytes]) -> bytes:
    return image_zip(members)


def _symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("cat/link.png")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def _bomb_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("cat/bomb.png", b"\0" * (20 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("archive", "named"),
    [
        (image_zip({"../cat/a.png": png((1, 2, 3))}), "../cat/a.png"),
        (image_zip({"/abs/cat/a.png": png((1, 2, 3))}), "/abs/cat/a.png"),
        (_symlink_zip(), "cat/link.png"),
        (image_zip({"cat/notes.txt": b"hello"}), "cat/notes.txt"),
        (image_zip({"cat/fake.png": b"not an image at all"}), "cat/fake.png"),
        (_bomb_zip(), "cat/bomb.png"),
        (b"PK\x03\x04 broken", "ZIP"),
    ],
    ids=["traversal", "absolute", "symlink", "non-image", "fake-png", "bomb", "corrupt"],
)
def test_unsafe_uploads_are_refused_and_leave_nothing(
    client: TestClient, migrated_database: Database, settings: Settings, archive: bytes, named: str
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    answer = client.post(
        f"{URL}/upload",
        files={"file": ("bad.zip", archive, "application/zip")},
        headers=owner.headers,
    )
    assert answer.status_code == 422, answer.text
    assert named in answer.json()["detail"]
    assert client.get(URL, headers=owner.headers).json()["items"] == []
    assert stored_files(settings, "images") == []


def test_another_users_dataset_is_not_found(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    other = signed_in(client, migrated_database, "other@example.com")
    answer = client.post(
        f"{URL}/upload",
        files={"file": ("one.zip", image_zip({"cat/a.png": png((5, 5, 5))}), "application/zip")},
        headers=owner.headers,
    )
    dataset_id = answer.json()["id"]
    for method, path in [
        ("GET", ""),
        ("GET", "/preview"),
        ("GET", "/images"),
        ("GET", "/images/1"),
        ("GET", "/download"),
        ("DELETE", ""),
        ("POST", "/cancel"),
    ]:
        found = client.request(method, f"{URL}/{dataset_id}{path}", headers=other.headers)
        assert found.status_code == 404, (method, path, found.text)
    assert client.get(URL, headers=other.headers).json()["items"] == []
    for bad in ("/images?cursor=%C2%B2", "/images?cursor=99999999999999999999", "/images/0"):
        answer = client.get(f"{URL}/{dataset_id}{bad}", headers=owner.headers)
        assert answer.status_code == 422, (bad, answer.text)
