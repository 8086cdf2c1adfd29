"""Workflow tests with image steps share the image tests' tiny pipeline and model settings."""

from __future__ import annotations

from tests.images.conftest import settings, tiny_sdxl

__all__ = ["settings", "tiny_sdxl"]
