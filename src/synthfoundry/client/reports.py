from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from synthfoundry.client.base import Resource
from synthfoundry.client.schemas import Report


class Reports(Resource[Report]):
    path = "/v1/reports"

    def details(self, report_id: str) -> dict[str, Any]:
        """Everything the report measured, as JSON."""
        found: dict[str, Any] = self.client.request("GET", f"{self.path}/{report_id}/details")
        return found

    def download(
        self,
        report_id: str,
        output: str | Path | IO[bytes] | None = None,
        file_format: str = "html",
    ) -> bytes:
        """The report as a self-contained HTML page, or JSON."""
        return self._download(f"{self.path}/{report_id}/download", output, format=file_format)
