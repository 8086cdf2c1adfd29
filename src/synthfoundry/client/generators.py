from __future__ import annotations

from typing import Any

from synthfoundry.client.base import Resource
from synthfoundry.client.schemas import Generator


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
