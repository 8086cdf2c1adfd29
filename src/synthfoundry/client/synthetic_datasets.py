from __future__ import annotations

from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from synthfoundry.client import tables
from synthfoundry.client.base import Resource
from synthfoundry.client.jobs import Jobs
from synthfoundry.client.schemas import Job, SyntheticDataset

if TYPE_CHECKING:
    import pandas as pd

    from synthfoundry.client.tables import Rows

Conditions = dict[str, Any] | list[dict[str, Any]]


class SyntheticDatasets(Resource[SyntheticDataset]):
    path = "/v1/synthetic-datasets"

    def __init__(self, client: Any, jobs: Jobs) -> None:
        super().__init__(client)
        self.jobs = jobs

    def create(
        self,
        generator_id: str,
        size: int = 1000,
        *,
        seed: int | None = None,
        conditions: Conditions | None = None,
        rebalance: dict[str, Any] | None = None,
        known: Rows | None = None,
        file_format: str = "csv",
        report: bool = False,
        name: str | None = None,
        wait: bool = True,
        progress_bar: bool = False,
    ) -> SyntheticDataset:
        """Generate rows in the background and return the synthetic dataset (``ready`` when
        ``wait``). ``conditions``: fixed values or ``[low, high]`` ranges, or a list of them each
        with a ``count`` (the counts make the size); ``rebalance``: ``{"column": "income",
        "shares": {">50K": 0.5, "<=50K": 0.5}}``; ``known``: partial rows to complete (dicts, or a
        DataFrame or Arrow table whose columns are some of the model's), one row out per row in
        with the given values kept."""
        body: dict[str, Any] = {"generator_id": generator_id, "size": size, "format": file_format}
        body |= {"report": report}
        optional = (("seed", seed), ("conditions", conditions), ("rebalance", rebalance))
        for key, value in (*optional, ("name", name)):
            if value is not None:
                body[key] = value
        if known is not None:
            body["known"] = tables.to_records(known)
            body["size"] = len(body["known"])
        job: Job = self.client.request("POST", self.path, json=body)
        target_id = str(job.get("target_id"))
        if not wait:
            return {"id": target_id, "job_id": job["id"], "status": "generating"}
        self.jobs.wait(job["id"], progress_bar=progress_bar)
        return self.get(target_id)

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

    def to_pandas(self, synthetic_dataset_id: str) -> pd.DataFrame:
        """The rows as a DataFrame (downloaded as Parquet)."""
        return tables.from_parquet(self.download(synthetic_dataset_id, file_format="parquet"))
