from __future__ import annotations

from pathlib import Path
from typing import IO

from synthfoundry.client.base import Resource
from synthfoundry.client.schemas import Dataset, DatasetStats, Rows


class Datasets(Resource[Dataset]):
    path = "/v1/datasets"

    def upload(
        self, file: str | Path | IO[bytes], *, name: str | None = None, description: str = ""
    ) -> Dataset:
        """Upload CSV, TSV, Parquet, JSON or JSON Lines (optionally .gz)."""
        data = {"description": description} | ({"name": name} if name else {})
        if isinstance(file, str | Path):
            with open(file, "rb") as handle:
                return self._upload((Path(file).name, handle), data)
        return self._upload((getattr(file, "name", "upload"), file), data)

    def _upload(self, file: tuple[str, IO[bytes]], data: dict[str, str]) -> Dataset:
        uploaded: Dataset = self.client.request("POST", self.path, files={"file": file}, data=data)
        return uploaded

    def stats(self, dataset_id: str) -> DatasetStats:
        found: DatasetStats = self.client.request("GET", f"{self.path}/{dataset_id}/stats")
        return found

    def preview(self, dataset_id: str, limit: int = 20) -> Rows:
        url = f"{self.path}/{dataset_id}/preview"
        found: Rows = self.client.request("GET", url, params={"limit": limit})
        return found

    def download(
        self,
        dataset_id: str,
        output: str | Path | IO[bytes] | None = None,
        file_format: str = "csv",
    ) -> bytes:
        """The dataset as csv, json, parquet or zip: into ``output``, or returned as bytes."""
        return self._download(f"{self.path}/{dataset_id}/download", output, format=file_format)
