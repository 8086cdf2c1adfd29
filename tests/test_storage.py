from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from synthfoundry.config import StorageSettings
from synthfoundry.errors import ConfigurationError, InvalidInput, NotFound
from synthfoundry.storage import BlobStore, validate_key
from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY, LocalS3, local_s3


@pytest.fixture(scope="module")
def s3_server() -> Iterator[LocalS3]:
    with local_s3() as server:
        yield server


def s3_settings(server: LocalS3) -> StorageSettings:
    return StorageSettings(
        s3_endpoint_url=server.endpoint_url,
        s3_region=REGION,
        s3_access_key_id=ACCESS_KEY,
        s3_secret_access_key=SECRET_KEY,  # type: ignore[arg-type]
    )


@pytest.fixture(params=["file", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "file":
        return BlobStore.from_settings((tmp_path / "blobs").as_uri(), StorageSettings())
    server: LocalS3 = request.getfixturevalue("s3_server")
    bucket = f"bucket-{uuid.uuid4().hex[:12]}"
    server.create_bucket(bucket)
    return BlobStore.from_settings(f"s3://{bucket}/prefix", s3_settings(server))


def test_put_get_exists_size_delete(store: BlobStore) -> None:
    assert store.put("datasets/a/data.csv", b"a,b\n1,2\n") == 8

    assert store.exists("datasets/a/data.csv")
    assert store.get("datasets/a/data.csv") == b"a,b\n1,2\n"
    assert store.size("datasets/a/data.csv") == 8
    assert store.delete("datasets/a/data.csv") is True
    assert not store.exists("datasets/a/data.csv")
    assert store.delete("datasets/a/data.csv") is False


def test_streams_in_and_out_in_chunks(store: BlobStore) -> None:
    chunks = [bytes([i]) * 300_000 for i in range(8)]  # 2.4 MB: several S3 multipart parts

    assert store.put("big/blob.bin", iter(chunks)) == 2_400_000

    received = list(store.iter_chunks("big/blob.bin", chunk_bytes=1_000_000))
    assert [len(chunk) for chunk in received] == [1_000_000, 1_000_000, 400_000]
    assert b"".join(received) == b"".join(chunks)


def test_failed_write_leaves_nothing_behind(store: BlobStore) -> None:
    with pytest.raises(RuntimeError), store.open_write("half/written.bin") as handle:
        handle.write(b"x" * 100_000)
        raise RuntimeError("client went away")

    assert not store.exists("half/written.bin")
    assert store.list() == []


def test_list_and_delete_prefix(store: BlobStore) -> None:
    for key in ("g/1/model.json", "g/1/weights.npz", "g/2/model.json", "other.txt"):
        store.put(key, b"{}")

    assert [blob.key for blob in store.list("g/1")] == ["g/1/model.json", "g/1/weights.npz"]
    assert store.delete_prefix("g/1") == 2
    assert [blob.key for blob in store.list()] == ["g/2/model.json", "other.txt"]
    assert store.list("missing") == []


def test_missing_object_is_not_found(store: BlobStore) -> None:
    with pytest.raises(NotFound):
        store.get("nope.bin")
    with pytest.raises(NotFound):
        store.size("nope.bin")


def test_ping_succeeds_on_a_reachable_store(store: BlobStore) -> None:
    store.ping()


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "../escape",
        "a/../../escape",
        "a//b",
        "a/./b",
        "nul\x00byte",
        "back\\slash",
        "c:/windows",
        "line\nfeed",
        "x" * 1025,
    ],
)
def test_unsafe_keys_are_refused(key: str, tmp_path: Path) -> None:
    store = BlobStore(tmp_path.as_uri())

    with pytest.raises(InvalidInput):
        store.put(key, b"x")
    with pytest.raises(InvalidInput):
        validate_key(key)


def test_file_store_cannot_escape_its_root(tmp_path: Path) -> None:
    store = BlobStore((tmp_path / "root").as_uri())
    store.put("inside.txt", b"ok")

    assert sorted(path.name for path in tmp_path.iterdir()) == ["root"]


def test_presigned_url_downloads_from_s3(s3_server: LocalS3) -> None:
    s3_server.create_bucket("signed")
    store = BlobStore.from_settings("s3://signed", s3_settings(s3_server))
    store.put("report.html", b"<html></html>")

    url = store.presigned_url("report.html", expires_seconds=60)

    assert url is not None and "Signature" in url
    assert httpx.get(url).content == b"<html></html>"


def test_file_store_has_no_presigned_url(tmp_path: Path) -> None:
    assert BlobStore(tmp_path.as_uri()).presigned_url("a", 60) is None


def test_unknown_scheme_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="'ftp' is not supported"):
        BlobStore("ftp://host/path")
