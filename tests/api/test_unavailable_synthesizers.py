"""A model whose optional dependency is missing stays in the catalogue with the reason, and
asking for it is a 422 that names the package, instead of a catalogue that fails for everyone."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest
from fastapi.testclient import TestClient

from synthfoundry.db import Database
from synthfoundry.synthesizers import registry
from tests.support.accounts import signed_in
from tests.support.flows import upload_dataset


class _MissingExtra(EntryPoint):
    def load(self) -> object:
        raise ImportError("No module named 'fancy_gpu_lib'", name="fancy_gpu_lib")


@pytest.fixture
def a_model_with_a_missing_extra(monkeypatch: pytest.MonkeyPatch) -> str:
    real = registry.entry_points
    broken = _MissingExtra("fancy", "fancy_models:Fancy", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [*real(group=group), broken])
    monkeypatch.setattr(registry, "_REGISTRY", {})
    monkeypatch.setattr(registry, "_UNAVAILABLE", {})
    monkeypatch.setattr(registry, "_loaded", False)
    return "fancy"


def test_a_model_with_a_missing_extra_is_listed_as_unavailable_with_the_reason(
    a_model_with_a_missing_extra: str, client: TestClient, migrated_database: Database
) -> None:
    user = signed_in(client, migrated_database, "user@example.com")
    catalogue = {
        entry["name"]: entry
        for entry in client.get("/v1/synthesizers", headers=user.headers).json()
    }
    fancy = catalogue[a_model_with_a_missing_extra]
    assert fancy["available"] is False and "fancy_gpu_lib" in fancy["unavailable_reason"]
    assert catalogue["sequential_trees"]["available"] is True
    one = client.get("/v1/synthesizers/fancy", headers=user.headers)
    assert one.status_code == 200 and one.json()["available"] is False

    created = client.post(
        "/v1/generators",
        json={"dataset_id": upload_dataset(client, user), "synthesizer": "fancy"},
        headers=user.headers,
    )
    assert created.status_code == 422
    assert "fancy_gpu_lib" in created.text
