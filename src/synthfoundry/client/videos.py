"""Product videos, music videos and flavors."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import IO, Any

from synthfoundry.client.base import Resource
from synthfoundry.client.jobs import Jobs
from synthfoundry.client.schemas import Job, Video, VideoAccepted

FINISHED = frozenset({"completed", "failed", "cancelled"})


class _VideoResource(Resource[Video]):
    def __init__(self, client: Any, jobs: Jobs) -> None:
        super().__init__(client)
        self.jobs = jobs

    def wait(
        self, video_id: str, *, progress_bar: bool = False, timeout: float | None = None
    ) -> Video:
        """Follow the video's job (live, with an optional progress bar) until it ends; raise
        ``JobFailed`` unless it completed."""
        video = self.get(video_id)
        if video.get("job_id") and video.get("status") not in FINISHED:
            self.jobs.wait(str(video["job_id"]), progress_bar=progress_bar, timeout=timeout)
        return self._settled(video_id)

    def _settled(self, video_id: str) -> Video:
        # The job's outcome and the video row are written in one transaction; a reader that
        # raced it sees the finished state on the next read.
        for _ in range(20):
            video = self.get(video_id)
            if video.get("status") in FINISHED:
                return video
            time.sleep(0.1)
        return video

    def download(self, video_id: str, output: str | Path | IO[bytes] | None = None) -> bytes:
        """The MP4 (a character reference: its PNG): into ``output``, or returned as bytes."""
        return self._download(f"{self.path}/{video_id}/download", output)

    def thumbnail(self, video_id: str, output: str | Path | IO[bytes] | None = None) -> bytes:
        return self._download(f"{self.path}/{video_id}/thumbnail", output)

    def cancel(self, video_id: str) -> Job:
        job: Job = self.client.request("POST", f"{self.path}/{video_id}/cancel")
        return job

    def retry(self, video_id: str) -> VideoAccepted:
        """Run a failed or cancelled video again, after the stages it finished."""
        accepted: VideoAccepted = self.client.request("POST", f"{self.path}/{video_id}/retry")
        return accepted

    def _finish(
        self,
        accepted: VideoAccepted,
        wait: bool,
        progress_bar: bool,
        output: str | Path | None,
    ) -> Video:
        if not wait:
            return {
                "id": accepted["id"],
                "job_id": accepted["job_id"],
                "status": accepted["status"],
            }
        video = self.wait(accepted["id"], progress_bar=progress_bar)
        if output is not None:
            self.download(accepted["id"], output)
        return video


class Videos(_VideoResource):
    """Product videos: a name, a style, a call to action and an optional image."""

    path = "/v1/videos"

    def create(
        self,
        product_name: str,
        cta_text: str,
        *,
        style: str = "modern",
        image: str | Path | IO[bytes] | None = None,
        aspect: str | None = None,
        voice: str | None = None,
        providers: dict[str, str] | None = None,
        flavor: str | None = None,
        resolution: int | None = None,
        fps: int | None = None,
        duration_seconds: float | None = None,
        seed: int = 0,
        wait: bool = False,
        progress_bar: bool = False,
        output: str | Path | None = None,
    ) -> Video:
        """Start rendering; with ``wait`` follow it to the end (``output``: save the MP4)."""
        fields: dict[str, Any] = {
            "product_name": product_name,
            "cta_text": cta_text,
            "style": style,
            "aspect": aspect,
            "voice": voice,
            "providers": json.dumps(providers) if providers else None,
            "flavor": flavor,
            "resolution": resolution,
            "fps": fps,
            "duration_seconds": duration_seconds,
            "seed": seed,
        }
        data = {name: str(value) for name, value in fields.items() if value is not None}
        if image is None:
            accepted: VideoAccepted = self.client.request("POST", self.path, data=data)
        elif isinstance(image, str | Path):
            with open(image, "rb") as handle:
                accepted = self._post(data, Path(image).name, handle)
        else:
            accepted = self._post(data, str(getattr(image, "name", "image")), image)
        return self._finish(accepted, wait, progress_bar, output)

    def _post(self, data: dict[str, str], name: str, image: IO[bytes]) -> VideoAccepted:
        files = {"product_image": (Path(name).name, image, "application/octet-stream")}
        accepted: VideoAccepted = self.client.request("POST", self.path, data=data, files=files)
        return accepted


class MusicVideos(_VideoResource):
    """Music videos, clips and character references, shaped by flavors."""

    path = "/v1/music-videos"

    def scenes(
        self, concept: str, num_scenes: int = 4, *, flavor: str | None = None, seed: int = 0
    ) -> list[dict[str, Any]]:
        """Planned scenes (sequence, prompt, duration), at once."""
        body = {"concept_prompt": concept, "num_scenes": num_scenes, "seed": seed}
        found: dict[str, Any] = self.client.request(
            "POST", f"{self.path}/scenes", json=body, params=_flavor(flavor)
        )
        scenes: list[dict[str, Any]] = found["scenes"]
        return scenes

    def character_reference(
        self,
        description: str,
        *,
        flavor: str | None = None,
        seed: int = 0,
        wait: bool = False,
        progress_bar: bool = False,
    ) -> Video:
        """Draw a character reference; once completed, ``details["image_key"]`` names it."""
        body = {"character_description": description, "seed": seed}
        accepted: VideoAccepted = self.client.request(
            "POST", f"{self.path}/character-reference", json=body, params=_flavor(flavor)
        )
        return self._finish(accepted, wait, progress_bar, None)

    def clip(
        self,
        prompt: str,
        *,
        duration: float = 4.0,
        reference_image_keys: list[str] | None = None,
        flavor: str | None = None,
        provider: str = "local",
        wait: bool = False,
        progress_bar: bool = False,
        output: str | Path | None = None,
    ) -> Video:
        body = {
            "prompt": prompt,
            "duration": duration,
            "reference_image_keys": reference_image_keys or [],
            "provider": provider,
        }
        accepted: VideoAccepted = self.client.request(
            "POST", f"{self.path}/clips", json=body, params=_flavor(flavor)
        )
        return self._finish(accepted, wait, progress_bar, output)

    def create(
        self,
        concept: str,
        character_description: str,
        *,
        num_scenes: int = 4,
        audio: str | Path | None = None,
        flavor: str | None = None,
        provider: str = "local",
        seed: int = 0,
        wait: bool = False,
        progress_bar: bool = False,
        output: str | Path | None = None,
    ) -> Video:
        """A whole music video: scenes, character, clips, compositing with ``audio`` under it."""
        data = {
            "concept": concept,
            "character_description": character_description,
            "num_scenes": str(num_scenes),
            "provider": provider,
            "seed": str(seed),
        } | ({"flavor": flavor} if flavor else {})
        if audio is None:
            accepted: VideoAccepted = self.client.request("POST", self.path, data=data)
        else:
            with open(audio, "rb") as handle:
                files = {"audio": (Path(audio).name, handle, "application/octet-stream")}
                accepted = self.client.request("POST", self.path, data=data, files=files)
        return self._finish(accepted, wait, progress_bar, output)


class Flavors:
    """Music-video flavors: the shipped presets and your own."""

    path = "/v1/video-flavors"

    def __init__(self, client: Any) -> None:
        self.client = client

    def list(self) -> dict[str, Any]:
        """``{"flavors": [...], "default_flavor": name}``."""
        found: dict[str, Any] = self.client.request("GET", self.path)
        return found

    def get(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.request("GET", f"{self.path}/{name}")
        return found

    def validate(self, text: str) -> dict[str, Any]:
        """``{"valid": bool, "name": ..., "errors": [{"path", "message"}]}``."""
        found: dict[str, Any] = self.client.request(
            "POST", f"{self.path}/validate", content=text.encode(), headers=YAML
        )
        return found

    def create(self, text: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.request(
            "POST", self.path, content=text.encode(), headers=YAML
        )
        return found

    def delete(self, name: str) -> None:
        self.client.request("DELETE", f"{self.path}/{name}")


YAML = {"Content-Type": "application/yaml"}


def _flavor(flavor: str | None) -> dict[str, str]:
    return {"config_flavor": flavor} if flavor else {}
