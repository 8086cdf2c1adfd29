"""Product videos over HTTP, end to end with the local providers (espeak-ng, PIL frames, real
ffmpeg), and with the HTTP providers against a stub on 127.0.0.1: decoding checks, costs,
cancel, retry after a provider failure, live WebSocket updates and every bad input."""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pydantic import SecretStr

from synthfoundry.api.app import create_app
from synthfoundry.config import Settings
from synthfoundry.db import Database
from synthfoundry.video import ffmpeg
from synthfoundry.video.styles import STYLES
from tests.support.accounts import Account, signed_in
from tests.support.jobs import wait_job
from tests.support.video_stub import (
    CHAT_PATH,
    STUB_KEY,
    VIDEO_CREATE_PATH,
    VIDEO_STATUS_PREFIX,
    VideoStub,
)

URL = "/v1/videos"
SMALL = {"resolution": "180", "fps": "24", "duration_seconds": "2"}


def png(size: tuple[int, int] = (96, 128), colour: tuple[int, int, int] = (30, 140, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def create(
    client: TestClient,
    account: Account,
    fields: dict[str, str],
    image: bytes | None = None,
    name: str = "bottle.png",
) -> Any:
    files = {"product_image": (name, image, "image/png")} if image is not None else None
    data = {"product_name": "EcoWater Bottle", "cta_text": "Buy now", **fields}
    return client.post(URL, data=data, files=files, headers=account.headers)


def render(client: TestClient, account: Account, fields: dict[str, str], **kwargs: Any) -> dict:
    answer = create(client, account, fields, **kwargs)
    assert answer.status_code == 202, answer.text
    accepted = answer.json()
    assert set(accepted) == {"id", "job_id", "status", "estimated_completion_time"}
    wait_job(client, account, accepted["job_id"], seconds=120)
    found: dict = client.get(f"{URL}/{accepted['id']}", headers=account.headers).json()
    return found


def downloaded(client: TestClient, account: Account, video_id: str, tmp_path: Path) -> Path:
    answer = client.get(f"{URL}/{video_id}/download", headers=account.headers)
    assert answer.status_code == 200 and answer.headers["content-type"] == "video/mp4"
    path = tmp_path / f"{video_id}.mp4"
    path.write_bytes(answer.content)
    return path


def has_colour(frame: np.ndarray, colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    distance = np.abs(frame.astype(np.int32) - np.array(colour)).sum(axis=2)
    return bool((distance < tolerance).mean() > 0.002)


def test_renders_a_product_video_checked_by_decoding(
    client: TestClient, migrated_database: Database, tmp_path: Path
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")

    video = render(client, owner, {**SMALL, "style": "modern"}, image=png())

    assert video["status"] == "completed", video
    assert [stage["name"] for stage in video["stages"]] == [
        "script_gen",
        "voice_gen",
        "video_gen",
        "compositing",
    ]
    assert all(stage["status"] == "succeeded" for stage in video["stages"])
    assert all(stage["progress"] == 1.0 and stage["completed_at"] for stage in video["stages"])
    assert video["cost_usd"] == 0.0 and video["progress"] == 1.0
    assert video["product_name"] == "EcoWater Bottle" and video["cta_text"] == "Buy now"
    assert video["video_url"] == f"{URL}/{video['id']}/download"
    assert (video["width"], video["height"]) == (320, 180)
    path = downloaded(client, owner, video["id"], tmp_path)
    info = ffmpeg.probe(path)
    assert (info.video_codec, info.audio_codec, info.pixel_format) == ("h264", "aac", "yuv420p")
    assert abs(info.duration - 2.0) < 1 / 24 + 0.05
    assert ffmpeg.count_frames(path) == 48
    audio = ffmpeg.decode_audio(path)
    assert float(np.sqrt(np.mean(audio**2))) > 0.01, "the voice-over is silent"
    last = list(ffmpeg.decode_frames(path))[-1]
    modern = STYLES["modern"]
    assert has_colour(last, modern.accent) and has_colour(last, modern.accent_text)
    thumbnail = client.get(f"{URL}/{video['id']}/thumbnail", headers=owner.headers)
    assert thumbnail.status_code == 200
    assert Image.open(io.BytesIO(thumbnail.content)).format == "JPEG"

    whole = path.read_bytes()
    ranged = client.get(
        f"{URL}/{video['id']}/download", headers={**owner.headers, "Range": "bytes=100-1099"}
    )
    assert ranged.status_code == 206 and ranged.content == whole[100:1100]
    assert ranged.headers["content-range"] == f"bytes 100-1099/{len(whole)}"
    tail = client.get(
        f"{URL}/{video['id']}/download", headers={**owner.headers, "Range": "bytes=-10"}
    )
    assert tail.status_code == 206 and tail.content == whole[-10:]
    outside = client.get(
        f"{URL}/{video['id']}/download",
        headers={**owner.headers, "Range": f"bytes={len(whole)}-"},
    )
    assert outside.status_code == 416

    listed = client.get(URL, params={"status": "completed"}, headers=owner.headers).json()
    assert [item["id"] for item in listed["items"]] == [video["id"]]
    assert client.get(URL, params={"status": "failed"}, headers=owner.headers).json()["items"] == []
    stranger = signed_in(client, migrated_database, "stranger@example.com")
    assert client.get(f"{URL}/{video['id']}", headers=stranger.headers).status_code == 404
    assert client.delete(f"{URL}/{video['id']}", headers=owner.headers).status_code == 204
    assert client.get(f"{URL}/{video['id']}", headers=owner.headers).status_code == 404


def test_without_an_image_a_title_card_and_live_updates_in_order(
    client: TestClient, migrated_database: Database, tmp_path: Path
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    answer = create(client, owner, {**SMALL, "style": "luxury", "aspect": "1:1"})
    assert answer.status_code == 202, answer.text
    accepted = answer.json()

    with client.websocket_connect(f"/v1/jobs/{accepted['job_id']}/events") as socket:
        socket.send_json({"type": "auth", "token": owner.access_token, "after_seq": 0})
        messages = []
        while True:
            message = socket.receive_json()
            messages.append(message)
            if message.get("event") == "status" and message["status"] in ("succeeded", "failed"):
                break

    assert messages[-1]["status"] == "succeeded"
    for message in messages:
        assert {"job_id", "stage", "progress", "status", "message", "timestamp"} <= set(message)
        assert message["job_id"] == accepted["job_id"]
    seqs = [message["seq"] for message in messages]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    started = [m["stage"] for m in messages if m["event"] == "stage" and m["status"] == "running"]
    assert started == ["script_gen", "voice_gen", "video_gen", "compositing"]
    progress = [m["progress"] for m in messages if m["event"] == "progress"]
    assert progress and progress == sorted(progress) and all(0 <= p <= 1 for p in progress)
    video = client.get(f"{URL}/{accepted['id']}", headers=owner.headers).json()
    assert (video["width"], video["height"]) == (180, 180)
    path = downloaded(client, owner, video["id"], tmp_path)
    assert has_colour(list(ffmpeg.decode_frames(path))[-1], STYLES["luxury"].accent)


@pytest.fixture
def stub() -> Any:
    with VideoStub(polls_before_done=2) as running:
        yield running


def stub_settings(settings: Settings, stub: VideoStub, **changes: Any) -> Settings:
    video = settings.video.model_copy(
        update={
            "openai_url": stub.openai_url,
            "openai_api_key": SecretStr(STUB_KEY),
            "video_api_url": stub.base_url,
            "video_api_key": SecretStr(STUB_KEY),
            "video_api_create_path": VIDEO_CREATE_PATH,
            "video_api_status_path": VIDEO_STATUS_PREFIX + "{id}",
            "video_api_id_field": "data.task_id",
            "video_api_status_field": "data.status",
            "video_api_url_field": "data.video.url",
            "video_api_error_field": "data.error",
            "video_api_poll_seconds": 0.05,
            "video_api_usd_per_second": 0.05,
            "http_timeout_seconds": 2.0,
            "http_retries": 2,
            **changes,
        }
    )
    return settings.model_copy(update={"video": video})


HTTP_PROVIDERS = '{"script": "openai", "voice": "openai", "video": "http"}'


def test_http_providers_with_a_500_a_slow_poll_and_costs_summed(
    settings: Settings, migrated_database: Database, stub: VideoStub, tmp_path: Path
) -> None:
    stub.fail(CHAT_PATH, times=1, status=500)
    with TestClient(create_app(stub_settings(settings, stub))) as client:
        owner = signed_in(client, migrated_database, "owner@example.com")
        video = render(client, owner, {**SMALL, "providers": HTTP_PROVIDERS}, image=png())

        assert video["status"] == "completed", video
        cost = {stage["name"]: stage["cost_usd"] for stage in video["stages"]}
        assert cost["script_gen"] > 0 and cost["voice_gen"] > 0 and cost["video_gen"] > 0
        assert cost["compositing"] == 0.0
        assert video["cost_usd"] == pytest.approx(sum(cost.values()))
        assert len(stub.requests_to(CHAT_PATH)) == 2  # the 500, then the answer
        calls = stub.requests_to(CHAT_PATH)[-1:] + stub.requests_to(VIDEO_CREATE_PATH)
        assert all(call.headers.get("Authorization") == f"Bearer {STUB_KEY}" for call in calls)
        info = ffmpeg.probe(downloaded(client, owner, video["id"], tmp_path))
        assert abs(info.duration - 2.0) < 0.1 and info.audio_codec == "aac"


def test_a_provider_failure_fails_its_stage_and_a_retry_starts_after_the_done_stages(
    settings: Settings, migrated_database: Database, stub: VideoStub
) -> None:
    stub.task_error = f"content policy: rejected (key {STUB_KEY})"
    with TestClient(create_app(stub_settings(settings, stub))) as client:
        owner = signed_in(client, migrated_database, "owner@example.com")
        failed = render(client, owner, {**SMALL, "providers": HTTP_PROVIDERS})

        assert failed["status"] == "failed"
        states = {stage["name"]: stage["status"] for stage in failed["stages"]}
        assert states == {
            "script_gen": "succeeded",
            "voice_gen": "succeeded",
            "video_gen": "failed",
            "compositing": "skipped",
        }
        video_gen = next(stage for stage in failed["stages"] if stage["name"] == "video_gen")
        assert (
            "content policy" in video_gen["error"] and "content policy" in failed["error_message"]
        )
        assert STUB_KEY not in failed["error_message"] and "sk-stub" not in failed["error_message"]
        chats = len(stub.requests_to(CHAT_PATH))

        stub.task_error = None
        retried = client.post(f"{URL}/{failed['id']}/retry", headers=owner.headers)
        assert retried.status_code == 202, retried.text
        wait_job(client, owner, retried.json()["job_id"], seconds=120)
        done = client.get(f"{URL}/{failed['id']}", headers=owner.headers).json()

        assert done["status"] == "completed", done
        assert len(stub.requests_to(CHAT_PATH)) == chats  # the script was not written again
        again = client.post(f"{URL}/{failed['id']}/retry", headers=owner.headers)
        assert again.status_code == 409


def test_cancel_during_video_gen(
    settings: Settings, migrated_database: Database, stub: VideoStub
) -> None:
    stub.polls_before_done = 100_000
    with TestClient(create_app(stub_settings(settings, stub))) as client:
        owner = signed_in(client, migrated_database, "owner@example.com")
        answer = create(client, owner, {**SMALL, "providers": '{"video": "http"}'})
        accepted = answer.json()
        deadline = time.monotonic() + 60
        while True:
            video = client.get(f"{URL}/{accepted['id']}", headers=owner.headers).json()
            stages = {stage["name"]: stage["status"] for stage in video["stages"]}
            if stages["video_gen"] == "running" and stub.requests_to(VIDEO_STATUS_PREFIX):
                break
            assert time.monotonic() < deadline, video
            time.sleep(0.05)

        cancelled = client.post(f"{URL}/{accepted['id']}/cancel", headers=owner.headers)
        assert cancelled.status_code == 202
        wait_job(client, owner, accepted["job_id"], seconds=30)
        video = client.get(f"{URL}/{accepted['id']}", headers=owner.headers).json()
        assert video["status"] == "cancelled" and video["video_url"] is None
        stages = {stage["name"]: stage["status"] for stage in video["stages"]}
        assert stages["script_gen"] == "succeeded" and stages["video_gen"] == "cancelled"


def pixel_bomb() -> bytes:
    """A valid 1x1 PNG whose header claims 100,000 x 100,000 pixels."""
    data = bytearray(png((1, 1)))
    header = struct.pack(">II", 100_000, 100_000) + bytes(data[24:29])
    data[16:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + header))
    return bytes(data)


@pytest.mark.parametrize(
    ("fields", "image", "status", "field"),
    [
        ({"product_name": " "}, None, 422, "product_name"),
        ({"product_name": "x" * 101}, None, 422, "product_name"),
        ({"cta_text": ""}, None, 422, "cta_text"),
        ({"cta_text": "y" * 51}, None, 422, "cta_text"),
        ({"style": "baroque"}, None, 422, "style"),
        ({"aspect": "4:3"}, None, 422, "aspect"),
        ({"providers": '{"script": "gpt"}'}, None, 422, "providers.script"),
        ({"providers": "not json"}, None, 422, "providers"),
        ({"providers": '{"script": "openai"}'}, None, 422, "providers.script"),
        ({"providers": '{"video": "http"}'}, None, 422, "providers.video"),
        ({"flavor": "no-such-flavor"}, None, 422, "flavor"),
        ({"voice": "en; rm -rf /"}, None, 422, "voice"),
        ({"resolution": "100000"}, None, 422, "resolution"),
        ({}, b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", 422, "product_image"),
        ({}, b'<svg xmlns="http://www.w3.org/2000/svg"/>', 422, "product_image"),
        ({}, pixel_bomb(), 422, "product_image"),
        ({}, b"\x89PNG\r\n\x1a\n broken", 422, "product_image"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    client: TestClient,
    migrated_database: Database,
    fields: dict[str, str],
    image: bytes | None,
    status: int,
    field: str,
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    answer = create(client, owner, fields, image=image, name="photo.jpg")
    assert answer.status_code == status, answer.text
    problem = answer.json()
    assert (
        any(field in error["field"] for error in problem.get("errors", []))
        or field in problem["detail"]
    ), problem
    assert client.get(URL, headers=owner.headers).json()["items"] == []


def test_an_image_over_the_limit_is_413_before_it_is_read_whole(
    settings: Settings, migrated_database: Database
) -> None:
    video = settings.video.model_copy(update={"max_image_bytes": 64 * 1024})
    with TestClient(create_app(settings.model_copy(update={"video": video}))) as client:
        owner = signed_in(client, migrated_database, "owner@example.com")
        answer = create(client, owner, SMALL, image=png() + b"\0" * (512 * 1024))
        assert answer.status_code == 413, answer.text
        assert client.get(URL, headers=owner.headers).json()["items"] == []


def test_the_monitoring_view_counts_live_readers(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    accepted = create(client, owner, SMALL).json()
    with client.websocket_connect(f"/v1/jobs/{accepted['job_id']}/events") as first:
        first.send_json({"type": "auth", "token": owner.access_token})
        first.receive_json()
        with client.websocket_connect(f"/v1/jobs/{accepted['job_id']}/events") as second:
            second.send_json({"type": "auth", "token": owner.access_token})
            second.receive_json()
            live = client.get("/healthz/events").json()
            assert live["websockets"] == 2 and live["job_readers"] == 2
            assert live["watched_jobs"] == 1
    wait_job(client, owner, accepted["job_id"], seconds=120)
    assert client.get("/healthz/events").json()["websockets"] == 0


def test_a_product_without_an_image_gets_scenes_drawn_by_text2image(
    settings: Settings, migrated_database: Database, tiny_sdxl: Path, tmp_path: Path
) -> None:
    video_settings = settings.video.model_copy(update={"scene_image_model": str(tiny_sdxl)})
    with TestClient(create_app(settings.model_copy(update={"video": video_settings}))) as client:
        owner = signed_in(client, migrated_database, "owner@example.com")
        drawn = render(client, owner, SMALL)

        assert drawn["status"] == "completed", drawn
        assert drawn["details"]["scene_image_model"] == str(tiny_sdxl)
        job = client.get(f"/v1/jobs/{drawn['job_id']}", headers=owner.headers).json()
        assert job["queue"] == "gpu"
        with_picture = next(ffmpeg.decode_frames(downloaded(client, owner, drawn["id"], tmp_path)))
    with TestClient(create_app(settings)) as client:
        card = render(client, owner, SMALL)
        assert "scene_image_model" not in card["details"]
        title_card = next(ffmpeg.decode_frames(downloaded(client, owner, card["id"], tmp_path)))
    difference = np.abs(with_picture.astype(np.int32) - title_card.astype(np.int32))
    assert float(difference.mean()) > 5.0, "the first scene shows no drawn picture"
