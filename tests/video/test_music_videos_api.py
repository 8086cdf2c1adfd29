"""Music videos over HTTP with a tiny random-weight text2image pipeline: flavors (shipped,
user, validation with paths), planned scenes, a character reference, a clip from it, and a
whole music video with the music mixed under; bad audio and foreign references refused."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

from synthfoundry.db import Database
from synthfoundry.video import ffmpeg
from tests.support.accounts import Account, signed_in
from tests.support.jobs import wait_job

URL = "/v1/music-videos"
FLAVORS = "/v1/video-flavors"
YAML = {"Content-Type": "application/yaml"}


def tiny_flavor(model: Path, name: str = "tiny") -> str:
    return f"""
name: {name}
description: a tiny flavor for tests
image:
  model: "{model}"
  width: 64
  height: 64
  steps: 1
image_prompts:
  character: "portrait of {{description}}"
scene_prompts:
  scene: "{{beat}} of {{concept}}"
  beats: [wide shot, close-up]
pipeline:
  fps: 8
  short_side: 120
  aspect: "16:9"
  scene_seconds: 1.0
  max_scenes: 4
  transition: fade
  transition_seconds: 0.25
  music_volume: 0.8
  style: modern
"""


def tone(seconds: float, rate: int = 16_000) -> bytes:
    samples = [
        int(12_000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(seconds * rate))
    ]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return buffer.getvalue()


def finished(client: TestClient, account: Account, answer: object) -> dict:
    assert answer.status_code == 202, answer.text  # type: ignore[attr-defined]
    accepted = answer.json()  # type: ignore[attr-defined]
    job = wait_job(client, account, accepted["job_id"], seconds=180)
    found: dict = client.get(f"{URL}/{accepted['id']}", headers=account.headers).json()
    assert found["status"] == "completed", (found, job)
    return found


def test_flavors_listed_validated_created_and_refused_with_paths(
    client: TestClient, migrated_database: Database, tiny_sdxl: Path
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    listed = client.get(FLAVORS, headers=owner.headers).json()
    assert listed["default_flavor"] == "cinematic"
    shipped = {flavor["name"] for flavor in listed["flavors"] if flavor["builtin"]}
    assert {"cinematic", "anime", "lofi", "retro"} <= shipped
    assert (
        "name: cinematic"
        in client.get(f"{FLAVORS}/cinematic", headers=owner.headers).json()["yaml"]
    )

    text = tiny_flavor(tiny_sdxl)
    valid = client.post(f"{FLAVORS}/validate", content=text, headers={**owner.headers, **YAML})
    assert valid.json() == {"valid": True, "name": "tiny", "errors": []}
    broken = text.replace("fps: 8", "fps: 900").replace(
        "beats: [wide shot, close-up]", "beats: [a, 7]"
    )
    checked = client.post(f"{FLAVORS}/validate", content=broken, headers={**owner.headers, **YAML})
    paths = {error["path"] for error in checked.json()["errors"]}
    assert checked.json()["valid"] is False and {"pipeline.fps", "scene_prompts.beats[1]"} <= paths
    refused = client.post(FLAVORS, content=broken, headers={**owner.headers, **YAML})
    assert refused.status_code == 422 and "pipeline.fps" in refused.json()["detail"]
    syntax = client.post(FLAVORS, content="name: [unclosed", headers={**owner.headers, **YAML})
    assert syntax.status_code == 422 and "line" in syntax.json()["detail"]

    created = client.post(FLAVORS, content=text, headers={**owner.headers, **YAML})
    assert created.status_code == 201, created.text
    assert client.post(FLAVORS, content=text, headers={**owner.headers, **YAML}).status_code == 409
    shipped_name = text.replace("name: tiny", "name: cinematic")
    assert (
        client.post(FLAVORS, content=shipped_name, headers={**owner.headers, **YAML}).status_code
        == 409
    )
    other = signed_in(client, migrated_database, "other@example.com")
    assert client.get(f"{FLAVORS}/tiny", headers=other.headers).status_code == 404
    assert client.get(f"{FLAVORS}/tiny", headers=owner.headers).json()["builtin"] is False

    scenes = client.post(
        f"{URL}/scenes",
        params={"config_flavor": "tiny"},
        json={"concept_prompt": "a robot in the rain", "num_scenes": 3},
        headers=owner.headers,
    ).json()
    assert [scene["sequence"] for scene in scenes["scenes"]] == [1, 2, 3]
    assert scenes["scenes"][0]["prompt"] == "wide shot of a robot in the rain"
    assert all(scene["duration"] == 1.0 for scene in scenes["scenes"])
    too_many = client.post(
        f"{URL}/scenes",
        params={"config_flavor": "tiny"},
        json={"concept_prompt": "rain", "num_scenes": 9},
        headers=owner.headers,
    )
    assert too_many.status_code == 422 and "num_scenes" in too_many.text
    unknown = client.post(
        f"{URL}/scenes",
        params={"config_flavor": "nope"},
        json={"concept_prompt": "rain"},
        headers=owner.headers,
    )
    assert unknown.status_code == 422 and "flavor" in unknown.text
    assert client.delete(f"{FLAVORS}/tiny", headers=owner.headers).status_code == 204
    assert client.delete(f"{FLAVORS}/cinematic", headers=owner.headers).status_code == 404


def test_character_clip_and_music_video_with_the_tiny_pipeline(
    client: TestClient, migrated_database: Database, tiny_sdxl: Path, tmp_path: Path
) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    headers = {**owner.headers, **YAML}
    assert client.post(FLAVORS, content=tiny_flavor(tiny_sdxl), headers=headers).status_code == 201
    tiny = {"config_flavor": "tiny"}

    character = finished(
        client,
        owner,
        client.post(
            f"{URL}/character-reference",
            params=tiny,
            json={"character_description": "a red robot"},
            headers=owner.headers,
        ),
    )
    key = character["details"]["image_key"]
    picture = client.get(character["video_url"], headers=owner.headers)
    assert Image.open(io.BytesIO(picture.content)).size == (64, 64)

    clip = finished(
        client,
        owner,
        client.post(
            f"{URL}/clips",
            params=tiny,
            json={"prompt": "the robot dances", "duration": 1.5, "reference_image_keys": [key]},
            headers=owner.headers,
        ),
    )
    path = tmp_path / "clip.mp4"
    path.write_bytes(client.get(clip["video_url"], headers=owner.headers).content)
    info = ffmpeg.probe(path)
    assert abs(info.duration - 1.5) < 0.2 and (info.width, info.height) == (214, 120)

    other = signed_in(client, migrated_database, "other@example.com")
    stolen = client.post(
        f"{URL}/clips",
        json={"prompt": "theirs", "reference_image_keys": [key]},
        headers=other.headers,
    )
    assert stolen.status_code == 422 and "reference_image_keys" in stolen.text

    music = finished(
        client,
        owner,
        client.post(
            URL,
            data={
                "concept": "a robot in the rain",
                "character_description": "a red robot",
                "num_scenes": "2",
                "flavor": "tiny",
            },
            files={"audio": ("song.wav", tone(2.0), "audio/wav")},
            headers=owner.headers,
        ),
    )
    assert [stage["name"] for stage in music["stages"]] == [
        "scenes",
        "character",
        "clips",
        "compositing",
    ]
    assert [scene["duration"] for scene in music["details"]["scenes"]] == [1.0, 1.0]
    path = tmp_path / "music.mp4"
    path.write_bytes(client.get(music["video_url"], headers=owner.headers).content)
    info = ffmpeg.probe(path)
    assert abs(info.duration - 2.0) < 0.2 and info.audio_codec == "aac"
    audio = ffmpeg.decode_audio(path)
    assert float(np.sqrt(np.mean(audio**2))) > 0.05, "the music is not under the video"
    listed = client.get(URL, params={"kind": "music"}, headers=owner.headers).json()["items"]
    assert [item["id"] for item in listed] == [music["id"]]


def test_bad_audio_is_refused(client: TestClient, migrated_database: Database) -> None:
    owner = signed_in(client, migrated_database, "owner@example.com")
    answer = client.post(
        URL,
        data={"concept": "rain", "character_description": "a robot"},
        files={"audio": ("song.mp3", b"%PDF-1.7 not music", "audio/mpeg")},
        headers=owner.headers,
    )
    assert answer.status_code == 422 and "audio" in answer.text
    empty = client.post(
        URL, data={"concept": "", "character_description": "a robot"}, headers=owner.headers
    )
    assert empty.status_code == 422 and "concept" in empty.text
    assert client.get(URL, headers=owner.headers).json()["items"] == []
