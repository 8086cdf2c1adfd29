"""The client: the HTTP plumbing, the resources, and the main path in a few calls."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from synthfoundry.client.datasets import Datasets
from synthfoundry.client.errors import raise_for_problem
from synthfoundry.client.generators import Generators
from synthfoundry.client.images import Images
from synthfoundry.client.jobs import Jobs
from synthfoundry.client.reports import Reports
from synthfoundry.client.schemas import Generator, Job, Report, Rows, SyntheticDataset
from synthfoundry.client.synthetic_datasets import SyntheticDatasets
from synthfoundry.client.videos import Flavors, MusicVideos, Videos
from synthfoundry.client.workflows import Workflows

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class Client:
    """A Synthfoundry server's API: ``base_url`` and ``api_key`` default to the environment
    variables ``SYNTHFOUNDRY_BASE_URL`` and ``SYNTHFOUNDRY_API_KEY``."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = (
            base_url or os.environ.get("SYNTHFOUNDRY_BASE_URL") or DEFAULT_BASE_URL
        ).rstrip("/")
        key = api_key or os.environ.get("SYNTHFOUNDRY_API_KEY")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
        )
        self.datasets = Datasets(self)
        self.generators = Generators(self)
        self.synthetic_datasets = SyntheticDatasets(self)
        self.reports = Reports(self)
        self.jobs = Jobs(self)
        self.images = Images(self, self.jobs)
        self.videos = Videos(self, self.jobs)
        self.music_videos = MusicVideos(self, self.jobs)
        self.flavors = Flavors(self)
        self.workflows = Workflows(self, self.jobs)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call; the answer's JSON (``None`` when empty), or ``APIError``."""
        response = self.http.request(method, path, **kwargs)
        raise_for_problem(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    @contextmanager
    def stream(self, path: str, **kwargs: Any) -> Iterator[httpx.Response]:
        """A GET whose body is read as it comes (downloads)."""
        with self.http.stream("GET", path, **kwargs) as response:
            if response.is_error:
                response.read()
                raise_for_problem(response)
            yield response

    # -- the main path --------------------------------------------------------------------------
    def train(
        self,
        dataset_id: str,
        synthesizer: str | None = None,
        params: dict[str, Any] | None = None,
        *,
        column_overrides: dict[str, str] | None = None,
        name: str | None = None,
        wait: bool = True,
        progress_bar: bool = False,
    ) -> Generator:
        """Create a generator on a dataset and train it; returns the generator (trained when
        ``wait``)."""
        generator = self.generators.create(
            dataset_id, synthesizer, params, column_overrides=column_overrides, name=name
        )
        job: Job = self.request("POST", f"/v1/generators/{generator['id']}/train")
        if not wait:
            return generator | {"training_job_id": job["id"]}
        self.jobs.wait(job["id"], progress_bar=progress_bar)
        return self.generators.get(generator["id"])

    def generate(
        self,
        generator_id: str,
        size: int = 1000,
        *,
        seed: int | None = None,
        conditions: dict[str, Any] | list[dict[str, Any]] | None = None,
        rebalance: dict[str, Any] | None = None,
        file_format: str = "csv",
        report: bool = False,
        output: str | Path | None = None,
        wait: bool = True,
        progress_bar: bool = False,
    ) -> SyntheticDataset:
        """Generate rows in the background; with ``output``, download them there too."""
        body: dict[str, Any] = {"generator_id": generator_id, "size": size, "format": file_format}
        body |= {"report": report}
        for key, value in (("seed", seed), ("conditions", conditions), ("rebalance", rebalance)):
            if value is not None:
                body[key] = value
        job: Job = self.request("POST", "/v1/synthetic-datasets", json=body)
        target_id = str(job.get("target_id"))
        if not wait:
            return {"id": target_id, "job_id": job["id"], "status": "generating"}
        self.jobs.wait(job["id"], progress_bar=progress_bar)
        synthetic = self.synthetic_datasets.get(target_id)
        if output is not None:
            self.synthetic_datasets.download(synthetic["id"], output)
        return synthetic

    def probe(
        self,
        generator_id: str,
        rows: int = 10,
        *,
        seed: int | None = None,
        conditions: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Up to 1000 rows at once from a trained generator."""
        body: dict[str, Any] = {"rows": rows, "seed": seed, "conditions": conditions}
        answer: Rows = self.request("POST", f"/v1/generators/{generator_id}/probe", json=body)
        return list(answer["rows"])

    def evaluate(
        self,
        real_dataset_id: str,
        synthetic_dataset_id: str,
        *,
        holdout_dataset_id: str | None = None,
        target: str | None = None,
        wait: bool = True,
        progress_bar: bool = False,
    ) -> Report:
        """Judge a synthetic dataset against a real one; returns the report (ready when
        ``wait``)."""
        body = {
            "real_dataset_id": real_dataset_id,
            "synthetic_dataset_id": synthetic_dataset_id,
            "holdout_dataset_id": holdout_dataset_id,
            "target": target,
        }
        job: Job = self.request("POST", "/v1/reports", json=body)
        if wait:
            self.jobs.wait(job["id"], progress_bar=progress_bar)
        return self.reports.get(str(job.get("target_id")))

    def stats(self) -> dict[str, Any]:
        """Your datasets, generators, jobs by status, rows uploaded and generated, bytes."""
        answer: dict[str, Any] = self.request("GET", "/v1/stats")
        return answer
