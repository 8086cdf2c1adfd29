from __future__ import annotations

from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from synthfoundry.client import tables
from synthfoundry.client.base import Resource
from synthfoundry.client.jobs import Jobs
from synthfoundry.client.schemas import Dataset, DatasetStats, Rows

if TYPE_CHECKING:
    import pandas as pd

    from synthfoundry.client.tables import Table


class Datasets(Resource[Dataset]):
    path = "/v1/datasets"

    def __init__(self, client: Any, jobs: Jobs) -> None:
        super().__init__(client)
        self.jobs = jobs

    def upload(
        self,
        file: str | Path | IO[bytes] | Table,
        *,
        name: str | None = None,
        description: str = "",
        wait: bool = False,
        progress_bar: bool = False,
    ) -> Dataset:
        """Upload a table: a file (CSV, TSV, Parquet, JSON or JSON Lines, optionally .gz) by
        path or open binary handle, or a pandas DataFrame or pyarrow Table (sent as Parquet,
        so column types and missing values arrive as they are). A large file is parsed by a
        job on the server; ``wait`` returns once it is ``ready``."""
        data = {"description": description} | ({"name": name} if name else {})
        if isinstance(file, str | Path):
            with open(file, "rb") as handle:
                uploaded = self._upload((Path(file).name, handle), data)
        elif tables.is_table(file):
            content = tables.to_parquet(file)
            uploaded = self._upload(("dataframe.parquet", content), data)
        else:
            uploaded = self._upload((getattr(file, "name", "upload"), file), data)
        ingest_job = uploaded.get("ingest_job_id")
        if wait and uploaded.get("status") == "ingesting" and ingest_job:
            self.jobs.wait(ingest_job, progress_bar=progress_bar)
            return self.get(uploaded["id"])
        return uploaded

    def _upload(self, file: tuple[str, IO[bytes] | bytes], data: dict[str, str]) -> Dataset:
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

    def to_pandas(self, dataset_id: str) -> pd.DataFrame:
        """The whole dataset as a DataFrame (downloaded as Parquet)."""
        return tables.from_parquet(self.download(dataset_id, file_format="parquet"))
