"""A Python client for a Synthfoundry server.

    from synthfoundry.client import Client
    client = Client("http://127.0.0.1:8000", api_key="sfk_...")  # or the environment
    dataset = client.datasets.upload("adult.csv")
    generator = client.train(dataset["id"], synthesizer="ctgan", params={"epochs": 50})
    synthetic = client.generate(generator["id"], size=100_000, output="synthetic.parquet")
    report = client.evaluate(dataset["id"], synthetic["id"], target="income")

The environment variables SYNTHFOUNDRY_BASE_URL and SYNTHFOUNDRY_API_KEY stand in for the
arguments. Every error answer raises ``APIError`` with the problem's fields; a job that ends in
failure raises ``JobFailed``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx

TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


class APIError(Exception):
    """An error answer (RFC 9457 problem): ``status``, ``code``, ``detail``, ``request_id`` and
    the whole ``problem``."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        self.code = str(problem.get("code", "error"))
        self.title = str(problem.get("title", ""))
        self.detail = str(problem.get("detail", problem.get("title", "")))
        self.request_id = problem.get("request_id")
        self.errors = problem.get("errors")
        super().__init__(f"{status} {self.code}: {self.detail}")


class JobFailed(APIError):
    """A job ended failed or cancelled; ``job`` holds its last state."""

    def __init__(self, job: dict[str, Any]) -> None:
        error = job.get("error") or {}
        problem = {
            "code": error.get("code", job["status"]),
            "detail": error.get("message", f"job {job['id']} {job['status']}"),
        }
        super().__init__(200, problem)
        self.job = job


class Client:
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

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        _raise_for_problem(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    @contextmanager
    def stream(self, path: str, **kwargs: Any) -> Iterator[httpx.Response]:
        with self.http.stream("GET", path, **kwargs) as response:
            if response.is_error:
                response.read()
                _raise_for_problem(response)
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
    ) -> dict[str, Any]:
        """Create a generator on a dataset and train it; returns the generator (trained when
        ``wait``)."""
        generator = self.generators.create(
            dataset_id, synthesizer, params, column_overrides=column_overrides, name=name
        )
        job = self.request("POST", f"/v1/generators/{generator['id']}/train")
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
    ) -> dict[str, Any]:
        """Generate rows in the background; with ``output``, download them there too."""
        body: dict[str, Any] = {"generator_id": generator_id, "size": size, "format": file_format}
        body |= {"report": report}
        for key, value in (("seed", seed), ("conditions", conditions), ("rebalance", rebalance)):
            if value is not None:
                body[key] = value
        job = self.request("POST", "/v1/synthetic-datasets", json=body)
        if not wait:
            return {"id": job["target_id"], "job_id": job["id"], "status": "generating"}
        self.jobs.wait(job["id"], progress_bar=progress_bar)
        synthetic = self.synthetic_datasets.get(job["target_id"])
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
        answer: dict[str, Any] = self.request(
            "POST", f"/v1/generators/{generator_id}/probe", json=body
        )
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
    ) -> dict[str, Any]:
        """Judge a synthetic dataset against a real one; returns the report (ready when
        ``wait``)."""
        body = {
            "real_dataset_id": real_dataset_id,
            "synthetic_dataset_id": synthetic_dataset_id,
            "holdout_dataset_id": holdout_dataset_id,
            "target": target,
        }
        job = self.request("POST", "/v1/reports", json=body)
        if wait:
            self.jobs.wait(job["id"], progress_bar=progress_bar)
        return self.reports.get(job["target_id"])

    def stats(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.request("GET", "/v1/stats")
        return answer


class _Resource:
    path: str

    def __init__(self, client: Client) -> None:
        self.client = client

    def get(self, object_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.request("GET", f"{self.path}/{object_id}")
        return found

    def list(self, limit: int = 50) -> list[dict[str, Any]]:
        """Every object, following the cursor pages."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
            page = self.client.request("GET", self.path, params=params)
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    def delete(self, object_id: str) -> None:
        self.client.request("DELETE", f"{self.path}/{object_id}")

    def _download(self, url: str, output: str | Path | IO[bytes] | None, **params: Any) -> bytes:
        with self.client.stream(url, params=params) as response:
            if output is None:
                return response.read()
            if isinstance(output, str | Path):
                with open(output, "wb") as sink:
                    for chunk in response.iter_bytes():
                        sink.write(chunk)
            else:
                for chunk in response.iter_bytes():
                    output.write(chunk)
        return b""


class Datasets(_Resource):
    path = "/v1/datasets"

    def upload(
        self, file: str | Path | IO[bytes], *, name: str | None = None, description: str = ""
    ) -> dict[str, Any]:
        """Upload CSV, TSV, Parquet, JSON or JSON Lines (optionally .gz)."""
        data = {"description": description} | ({"name": name} if name else {})
        if isinstance(file, str | Path):
            with open(file, "rb") as handle:
                files = {"file": (Path(file).name, handle)}
                answer: dict[str, Any] = self.client.request(
                    "POST", self.path, files=files, data=data
                )
                return answer
        uploaded: dict[str, Any] = self.client.request(
            "POST", self.path, files={"file": (getattr(file, "name", "upload"), file)}, data=data
        )
        return uploaded

    def stats(self, dataset_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.request("GET", f"{self.path}/{dataset_id}/stats")
        return found

    def preview(self, dataset_id: str, limit: int = 20) -> dict[str, Any]:
        url = f"{self.path}/{dataset_id}/preview"
        found: dict[str, Any] = self.client.request("GET", url, params={"limit": limit})
        return found

    def download(
        self,
        dataset_id: str,
        output: str | Path | IO[bytes] | None = None,
        file_format: str = "csv",
    ) -> bytes:
        """The dataset as csv, json, parquet or zip: into ``output``, or returned as bytes."""
        return self._download(f"{self.path}/{dataset_id}/download", output, format=file_format)


class Generators(_Resource):
    path = "/v1/generators"

    def create(
        self,
        dataset_id: str,
        synthesizer: str | None = None,
        params: dict[str, Any] | None = None,
        *,
        column_overrides: dict[str, str] | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"dataset_id": dataset_id, "params": params or {}}
        body |= {"column_overrides": column_overrides or {}}
        if synthesizer:
            body["synthesizer"] = synthesizer
        if name:
            body["name"] = name
        created: dict[str, Any] = self.client.request("POST", self.path, json=body)
        return created


class SyntheticDatasets(_Resource):
    path = "/v1/synthetic-datasets"

    def download(
        self,
        synthetic_dataset_id: str,
        output: str | Path | IO[bytes] | None = None,
        file_format: str | None = None,
    ) -> bytes:
        """The rows as csv, json, parquet or zip (default: from ``output``'s suffix, else the
        format asked for at creation)."""
        if file_format is None and isinstance(output, str | Path):
            suffix = Path(output).suffix.lstrip(".").lower()
            file_format = suffix if suffix in ("csv", "json", "parquet", "zip") else None
        params = {"format": file_format} if file_format else {}
        return self._download(f"{self.path}/{synthetic_dataset_id}/download", output, **params)


class Reports(_Resource):
    path = "/v1/reports"

    def details(self, report_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.request("GET", f"{self.path}/{report_id}/details")
        return found

    def download(
        self,
        report_id: str,
        output: str | Path | IO[bytes] | None = None,
        file_format: str = "html",
    ) -> bytes:
        return self._download(f"{self.path}/{report_id}/download", output, format=file_format)


class Jobs(_Resource):
    path = "/v1/jobs"

    def cancel(self, job_id: str) -> dict[str, Any]:
        job: dict[str, Any] = self.client.request("POST", f"{self.path}/{job_id}/cancel")
        return job

    def pause(self, job_id: str) -> dict[str, Any]:
        job: dict[str, Any] = self.client.request("POST", f"{self.path}/{job_id}/pause")
        return job

    def resume(self, job_id: str) -> dict[str, Any]:
        job: dict[str, Any] = self.client.request("POST", f"{self.path}/{job_id}/resume")
        return job

    def wait(
        self,
        job_id: str,
        *,
        progress_bar: bool = False,
        timeout: float | None = None,
        poll_seconds: float = 0.5,
    ) -> dict[str, Any]:
        """Poll until the job ends; raise ``JobFailed`` unless it succeeded. The progress bar
        goes to stderr."""
        deadline = None if timeout is None else time.monotonic() + timeout
        bar = _ProgressBar(job_id) if progress_bar else None
        try:
            while True:
                job = self.get(job_id)
                if bar is not None:
                    bar.update(job)
                if job["status"] in TERMINAL:
                    break
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"job {job_id} is still {job['status']}")
                time.sleep(poll_seconds)
        finally:
            if bar is not None:
                bar.close()
        if job["status"] != "succeeded":
            raise JobFailed(job)
        return job


class _ProgressBar:
    def __init__(self, job_id: str) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr),
            transient=False,
        )
        self.task = self.progress.add_task(f"job {job_id[:8]}", total=1.0)
        self.progress.start()

    def update(self, job: dict[str, Any]) -> None:
        progress = job.get("progress") or {}
        stage = progress.get("stage") or job["status"]
        fraction = 1.0 if job["status"] == "succeeded" else float(progress.get("fraction") or 0)
        self.progress.update(self.task, completed=fraction, description=f"{stage:<10}")

    def close(self) -> None:
        self.progress.stop()


def _raise_for_problem(response: httpx.Response) -> None:
    if not response.is_error:
        return
    try:
        problem = response.json()
    except ValueError:
        problem = {"code": "http_error", "detail": response.text[:500]}
    if not isinstance(problem, dict):
        problem = {"code": "http_error", "detail": str(problem)[:500]}
    raise APIError(response.status_code, problem)
