from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from synthfoundry.client.base import Resource
from synthfoundry.client.schemas import ApiKey, ApiKeyCreated


class ApiKeys(Resource[ApiKey]):
    """Your API keys: each holds some of your scopes; its secret is shown once, at creation."""

    path = "/v1/api-keys"

    def create(
        self,
        scopes: Sequence[str],
        name: str = "synthfoundry client",
        *,
        expires_at: datetime | str | None = None,
    ) -> ApiKeyCreated:
        """A new key; ``secret`` in the answer is the bearer value, never shown again."""
        body: dict[str, Any] = {"name": name, "scopes": list(scopes)}
        if expires_at is not None:
            body["expires_at"] = (
                expires_at.isoformat() if isinstance(expires_at, datetime) else expires_at
            )
        created: ApiKeyCreated = self.client.request("POST", self.path, json=body)
        return created

    def revoke(self, api_key_id: str) -> None:
        """The key stops working at once."""
        self.delete(api_key_id)
