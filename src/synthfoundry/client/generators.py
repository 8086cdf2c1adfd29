from __future__ import annotations

from pathlib import Path
from typing import Any

from synthfoundry.client import model_files
from synthfoundry.client.base import Resource
from synthfoundry.client.schemas import Generator, Rows


class Generators(Resource[Generator]):
    path = "/v1/generators"

    def create(
        self,
        dataset_id: str,
        synthesizer: str | None = None,
        params: dict[str, Any] | None = None,
        *,
        column_overrides: dict[str, str] | None = None,
        name: str | None = None,
    ) -> Generator:
        """A model bound to a dataset, not trained yet (``Client.train`` also trains it)."""
        body: dict[str, Any] = {"dataset_id": dataset_id, "params": params or {}}
        body |= {"column_overrides": column_overrides or {}}
        if synthesizer:
            body["synthesizer"] = synthesizer
        if name:
            body["name"] = name
        created: Generator = self.client.request("POST", self.path, json=body)
        return created

    def rename(self, generator_id: str, name: str) -> Generator:
        renamed: Generator = self.client.request(
            "PATCH", f"{self.path}/{generator_id}", json={"name": name}
        )
        return renamed

    def probe_rows(
        self,
        generator_id: str,
        rows: int = 10,
        *,
        seed: int | None = None,
        conditions: dict[str, Any] | None = None,
    ) -> Rows:
        """Up to 1000 rows at once, as the API answers them: ``columns`` in the table's order
        and ``rows`` of JSON values (``Client.probe`` gives a DataFrame)."""
        body: dict[str, Any] = {"rows": rows, "seed": seed, "conditions": conditions}
        answer: Rows = self.client.request("POST", f"{self.path}/{generator_id}/probe", json=body)
        return answer

    def export(self, generator_id: str, destination: str | Path) -> Path:
        """Download the trained model: into a folder that ``synthfoundry.load_synthesizer``
        reads, or, for a path ending in ``.zip``, as the archive itself."""
        target = Path(destination)
        if target.suffix.lower() == ".zip":
            self._download(f"{self.path}/{generator_id}/model", target)
            return target
        return model_files.unpack(self._download(f"{self.path}/{generator_id}/model", None), target)

    def import_(self, source: str | Path, *, name: str | None = None) -> Generator:
        """Upload a trained model as a new, ready generator: a folder a synthesizer's ``save``
        wrote, or a ZIP that ``export`` downloaded. The server verifies the model format's
        checksums and loads nothing by pickle."""
        path = Path(source)
        archive = path.read_bytes() if path.is_file() else model_files.pack(path)
        data = {"name": name} if name else {}
        imported: Generator = self.client.request(
            "POST",
            f"{self.path}/import",
            files={"file": (f"{path.stem or 'model'}.zip", archive, "application/zip")},
            data=data,
        )
        return imported
