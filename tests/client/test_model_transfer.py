"""Trained models between the server and the library: export, import, rename, and the archive
checks an import passes first (live server; the checks also called directly)."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from synthfoundry import get_synthesizer, load_synthesizer
from synthfoundry.audit.models import AuditEvent
from synthfoundry.client import APIError, Client
from synthfoundry.db import Database
from synthfoundry.errors import InvalidInput, PayloadTooLarge
from synthfoundry.generators.model_files import ModelLimits, unpack_model
from tests.support.flows import people_csv


@pytest.fixture
def trained(server: tuple[str, str]) -> tuple[str, str, str]:
    base_url, api_key = server
    with Client(base_url, api_key) as client:
        dataset = client.datasets.upload(io.BytesIO(people_csv()), name="people")
        generator = client.train(dataset["id"], "gaussian_copula", {"seed": 5})
    return base_url, api_key, generator["id"]


def test_export_then_import_gives_the_same_rows_for_a_seed(
    trained: tuple[str, str, str], tmp_path: Path, migrated_database: Database
) -> None:
    base_url, api_key, generator_id = trained
    with Client(base_url, api_key) as client:
        folder = client.generators.export(generator_id, tmp_path / "model")
        archive = client.generators.export(generator_id, tmp_path / "model.zip")
        from_folder = client.generators.import_(folder, name="copied")
        from_zip = client.generators.import_(archive)

        assert sorted(path.name for path in folder.iterdir()) == ["arrays.npz", "synthesizer.json"]
        assert zipfile.ZipFile(archive).namelist() == ["synthesizer.json", "arrays.npz"]
        assert from_folder["name"] == "copied" and from_folder["status"] == "ready"
        assert from_folder["synthesizer"] == "gaussian_copula" and from_folder["dataset_id"] is None
        assert from_zip["name"] == "gaussian_copula (imported)"

        original = client.generate(generator_id, 300, seed=11)
        for imported in (from_folder, from_zip):
            copy = client.generate(imported["id"], 300, seed=11)
            pd.testing.assert_frame_equal(copy, original)
            pd.testing.assert_frame_equal(
                client.probe(imported["id"], 20, seed=3), client.probe(generator_id, 20, seed=3)
            )

    # The library reads what was exported, and draws the rows the server draws.
    local = load_synthesizer(folder).sample(20, seed=3)
    with Client(base_url, api_key) as client:
        probed = client.probe(generator_id, 20, seed=3)
    pd.testing.assert_frame_equal(local, probed, check_dtype=False)

    with migrated_database.unit_of_work() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_id == from_folder["id"])
        ).all()
    assert actions == ["generator.import"]


def test_a_model_saved_by_the_library_imports(server: tuple[str, str], tmp_path: Path) -> None:
    base_url, api_key = server
    frame = pd.read_csv(io.BytesIO(people_csv()))
    synthesizer = get_synthesizer("gaussian_copula", seed=1).fit(frame)
    synthesizer.save(tmp_path / "saved")
    with Client(base_url, api_key) as client:
        imported = client.generators.import_(tmp_path / "saved")
        probed = client.probe(imported["id"], 10, seed=4)
    pd.testing.assert_frame_equal(probed, synthesizer.sample(10, seed=4), check_dtype=False)


def test_rename(trained: tuple[str, str, str], migrated_database: Database) -> None:
    base_url, api_key, generator_id = trained
    with Client(base_url, api_key) as client:
        renamed = client.generators.rename(generator_id, "adult, v2")
        assert renamed["name"] == "adult, v2"
        assert client.generators.get(generator_id)["name"] == "adult, v2"
        with pytest.raises(APIError) as empty:
            client.generators.rename(generator_id, "")
        with pytest.raises(APIError) as unknown:
            client.request("PATCH", f"/v1/generators/{generator_id}", json={"nmae": "x"})
    assert empty.value.status == 422 and unknown.value.status == 422
    with migrated_database.unit_of_work() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_id == generator_id)
        ).all()
    assert "generator.update" in actions


def test_an_untrained_generator_has_no_model(server: tuple[str, str]) -> None:
    base_url, api_key = server
    with Client(base_url, api_key) as client:
        dataset = client.datasets.upload(io.BytesIO(people_csv()))
        generator = client.generators.create(dataset["id"])
        with pytest.raises(APIError) as untrained:
            client.generators.export(generator["id"], "model.zip")
    assert untrained.value.status == 409


def model_zip(folder: Path, **replaced: bytes) -> bytes:
    """A model ZIP from ``folder``, members named as keys replaced by (or added with) bytes."""
    members = {name: (folder / name).read_bytes() for name in ("synthesizer.json", "arrays.npz")}
    members |= replaced
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return sink.getvalue()


def with_checksums(manifest: dict[str, object], arrays: bytes) -> bytes:
    """A manifest whose checksums match ``arrays`` (a forger can always do this much)."""
    import hashlib

    checksums = dict(manifest["checksums"])  # type: ignore[call-overload]
    checksums["arrays.npz"] = hashlib.sha256(arrays).hexdigest()
    return json.dumps(manifest | {"checksums": checksums}).encode()


def npz(**arrays: np.ndarray) -> bytes:
    sink = io.BytesIO()
    np.savez(sink, **arrays)
    return sink.getvalue()


def lying_npz() -> bytes:
    """An .npz whose one array's header claims a billion float64s over 16 bytes of data."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (1_000_000_000,)}
    )
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        archive.writestr("codes.npy", b"\x93NUMPY\x01\x00" + header.getvalue()[8:] + bytes(16))
    return sink.getvalue()


def test_bad_archives_are_refused_with_the_reason(
    trained: tuple[str, str, str], tmp_path: Path
) -> None:
    base_url, api_key, generator_id = trained
    with Client(base_url, api_key) as client:
        folder = client.generators.export(generator_id, tmp_path / "model")
    manifest = json.loads((folder / "synthesizer.json").read_text())
    tampered = manifest | {"content": manifest["content"] | {"samples_drawn": 99}}
    objects = npz(codes=np.array([{"x": 1}], dtype=object))
    link = zipfile.ZipInfo("arrays.npz")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    linked = io.BytesIO()
    with zipfile.ZipFile(linked, "w") as archive:
        archive.writestr("synthesizer.json", (folder / "synthesizer.json").read_bytes())
        archive.writestr(link, "/etc/passwd")
    cases = {
        b"not a zip at all": "not a ZIP archive",
        model_zip(folder, **{"../synthesizer.json": b"{}"}): "leaves the archive",
        model_zip(folder, **{"notes.txt": b"hi"}): "'notes.txt' is not a model file",
        model_zip(folder, **{"model/arrays.npz": b""}): "appears twice",
        linked.getvalue(): "is a link",
        model_zip(folder, **{"synthesizer.json": json.dumps(tampered).encode()}): "checksum",
        model_zip(folder, **{"arrays.npz": b"PK garbage"}): "arrays.npz",
        model_zip(
            folder, **{"arrays.npz": objects, "synthesizer.json": with_checksums(manifest, objects)}
        ): "Python objects",
        model_zip(
            folder,
            **{
                "arrays.npz": lying_npz(),
                "synthesizer.json": with_checksums(manifest, lying_npz()),
            },
        ): "claims 8000000000 bytes",
    }
    for archive, reason in cases.items():
        answer = httpx.post(
            f"{base_url}/v1/generators/import",
            files={"file": ("model.zip", archive)},
            headers={"Authorization": f"Bearer {api_key}"},
        )
        assert answer.status_code == 422, (reason, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert reason in answer.json()["detail"], (reason, answer.json())
    with Client(base_url, api_key) as client:
        assert [g["id"] for g in client.generators.list()] == [generator_id]


def test_a_zip_bomb_or_an_oversized_model_is_refused_before_it_is_unpacked(
    tmp_path: Path,
) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("synthesizer.json", b" " * (64 * 1024 * 1024))
        archive.writestr("arrays.npz", npz(a=np.zeros(3)))
    with pytest.raises(InvalidInput, match="expands too far"):
        unpack_model(bomb, tmp_path / "out", ModelLimits(max_ratio=100))
    with pytest.raises(PayloadTooLarge, match=r"synthesizer\.json"):
        unpack_model(bomb, tmp_path / "out", ModelLimits(max_file_bytes=1024 * 1024))
    with pytest.raises(PayloadTooLarge, match="archive"):
        unpack_model(bomb, tmp_path / "out", ModelLimits(max_archive_bytes=1024))
    assert not (tmp_path / "out").exists()
