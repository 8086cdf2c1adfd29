from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from synthfoundry.client.base import Resource
from synthfoundry.client.jobs import Jobs
from synthfoundry.client.schemas import Image, ImageDataset, Job, Page, Thumbnail


class Images(Resource[ImageDataset]):
    """Image datasets: made by a text-to-image model, augmented, uploaded, downloaded."""

    path = "/v1/image-datasets"

    def __init__(self, client: Any, jobs: Jobs) -> None:
        super().__init__(client)
        self.jobs = jobs

    def generate(
        self,
        labels: str | Sequence[str],
        *,
        per_label: int = 1,
        noise_level: float = 0.0,
        seed: int = 0,
        model: str | None = None,
        wait: bool = True,
        progress_bar: bool = False,
        output: str | Path | None = None,
        **options: Any,
    ) -> ImageDataset:
        """Make ``per_label`` images of each label; ``options`` are the API's other fields
        (width, height, steps, guidance_scale, prompt_template, negative_prompt, device,
        batch_size, name). With ``output``, the ZIP is downloaded there too."""
        body: dict[str, Any] = {
            "labels": [labels] if isinstance(labels, str) else list(labels),
            "images_per_label": per_label,
            "noise_level": noise_level,
            "seed": seed,
            **options,
        }
        if model is not None:
            body["model"] = model
        job: Job = self.client.request("POST", self.path, json=body)
        return self._finish(job, wait, progress_bar, output)

    def collect(
        self,
        labels: str | Sequence[str | Sequence[str]],
        *,
        per_label: int = 20,
        providers: Sequence[str] | None = None,
        urls: Sequence[str] | dict[str, Sequence[str]] | None = None,
        licenses: Sequence[str] | None = None,
        wait: bool = True,
        progress_bar: bool = False,
        output: str | Path | None = None,
        **options: Any,
    ) -> ImageDataset:
        """Collect ``per_label`` images of each label from search providers (default Openverse
        and Wikimedia Commons) and URL lists; a label is a keyword or a list of query terms.
        ``options`` are the API's other fields (min_width, min_height, max_megapixels,
        allowed_formats, dedupe_threshold, top_up_with, name)."""
        body: dict[str, Any] = {
            "labels": [labels]
            if isinstance(labels, str)
            else [label if isinstance(label, str) else list(label) for label in labels],
            "images_per_label": per_label,
            **options,
        }
        if providers is not None:
            body["providers"] = list(providers)
        if urls is not None:
            body["urls"] = (
                {label: list(found) for label, found in urls.items()}
                if isinstance(urls, dict)
                else list(urls)
            )
        if licenses is not None:
            body["licenses"] = list(licenses)
        job: Job = self.client.request("POST", f"{self.path}/collect", json=body)
        return self._finish(job, wait, progress_bar, output)

    def stats(self) -> dict[str, Any]:
        """Your image datasets summed: by status, images, bytes, duplicates, invalid by reason."""
        found: dict[str, Any] = self.client.request("GET", f"{self.path}/stats")
        return found

    def providers(self) -> list[dict[str, Any]]:
        """Collection providers and why one is unavailable here."""
        found: list[dict[str, Any]] = self.client.request("GET", f"{self.path}/providers")
        return found

    def augment(
        self,
        dataset_id: str,
        *,
        variants_per_image: int = 1,
        operations: Sequence[str] | None = None,
        seed: int = 0,
        name: str | None = None,
        wait: bool = True,
        progress_bar: bool = False,
    ) -> ImageDataset:
        """A new dataset: this one's images plus ``variants_per_image`` variants of each."""
        body: dict[str, Any] = {"variants_per_image": variants_per_image, "seed": seed}
        if operations is not None:
            body["operations"] = list(operations)
        if name is not None:
            body["name"] = name
        job: Job = self.client.request("POST", f"{self.path}/{dataset_id}/augment", json=body)
        return self._finish(job, wait, progress_bar, None)

    def upload(
        self, file: str | Path | IO[bytes], *, name: str | None = None, description: str = ""
    ) -> ImageDataset:
        """Upload a ZIP in ImageFolder layout (``<label>/<image>``)."""
        data = {"description": description} | ({"name": name} if name else {})
        if isinstance(file, str | Path):
            with open(file, "rb") as handle:
                return self._upload(Path(file).name, handle, data)
        return self._upload(str(getattr(file, "name", "images.zip")), file, data)

    def _upload(self, file_name: str, file: IO[bytes], data: dict[str, str]) -> ImageDataset:
        files = {"file": (Path(file_name).name, file, "application/zip")}
        url = f"{self.path}/upload"
        uploaded: ImageDataset = self.client.request("POST", url, files=files, data=data)
        return uploaded

    def update(
        self, dataset_id: str, *, name: str | None = None, description: str | None = None
    ) -> ImageDataset:
        body = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
        updated: ImageDataset = self.client.request("PATCH", f"{self.path}/{dataset_id}", json=body)
        return updated

    def cancel(self, dataset_id: str) -> Job:
        job: Job = self.client.request("POST", f"{self.path}/{dataset_id}/cancel")
        return job

    def preview(self, dataset_id: str, limit: int = 8) -> list[Thumbnail]:
        """Thumbnails (JPEG, base64 in ``data``); ``save_preview`` writes them as files."""
        found: list[Thumbnail] = self.client.request(
            "GET", f"{self.path}/{dataset_id}/preview", params={"limit": limit}
        )
        return found

    def save_preview(self, dataset_id: str, folder: str | Path, limit: int = 8) -> list[Path]:
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        written = []
        for thumbnail in self.preview(dataset_id, limit):
            path = target / f"{thumbnail['image_id']:05d}.jpg"
            path.write_bytes(base64.b64decode(thumbnail["data"]))
            written.append(path)
        return written

    def images(self, dataset_id: str, *, label: str | None = None) -> list[Image]:
        """Every image's record (label, seed, noise), following the pages."""
        found: list[Image] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 200}
            params |= {"cursor": cursor} if cursor else {}
            params |= {"label": label} if label else {}
            page: Page[Image] = self.client.request(
                "GET", f"{self.path}/{dataset_id}/images", params=params
            )
            found += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    def image(self, dataset_id: str, image_id: int) -> bytes:
        """One image's PNG bytes."""
        return self._download(f"{self.path}/{dataset_id}/images/{image_id}", None)

    def download(self, dataset_id: str, output: str | Path | IO[bytes] | None = None) -> bytes:
        """The dataset's ZIP: into ``output``, or returned as bytes."""
        return self._download(f"{self.path}/{dataset_id}/download", output)

    def _finish(
        self, job: Job, wait: bool, progress_bar: bool, output: str | Path | None
    ) -> ImageDataset:
        dataset_id = str(job.get("target_id"))
        if not wait:
            return {"id": dataset_id, "job_id": job["id"], "status": "generating"}
        self.jobs.wait(job["id"], progress_bar=progress_bar)
        dataset = self.get(dataset_id)
        if output is not None:
            self.download(dataset_id, output)
        return dataset
