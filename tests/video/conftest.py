"""Video tests share the image tests' tiny text-to-image pipeline and model-folder settings."""

from __future__ import annotations

from tests.images.conftest import settings, tiny_sdxl

__all__ = ["settings", "tiny_sdxl"]
