from __future__ import annotations

from pathlib import Path
from typing import IO

from synthfoundry.client.base import Resource
from synthfoundry.client.schemas import SyntheticDataset


class SyntheticDatasets(Resource[SyntheticDataset]):
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
