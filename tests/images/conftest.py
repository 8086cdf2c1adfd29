"""Tiny random-weight diffusers pipelines, built once a session, for every image test."""

from __future__ import annotations

import os

# Before anything imports diffusers or huggingface_hub: no test may reach for the network.
os.environ["HF_HUB_OFFLINE"] = "1"

import shutil
from pathlib import Path

import pytest

from synthfoundry.config import Settings
from tests.support.tiny_diffusers import build_tiny_sd15, build_tiny_sdxl


@pytest.fixture(scope="session")
def tiny_sdxl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SDXL pipeline directory: 64-pixel images; 25 steps unless a request says otherwise."""
    return build_tiny_sdxl(tmp_path_factory.mktemp("models") / "tiny-sdxl")


@pytest.fixture(scope="session")
def tiny_sd15(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_sd15(tmp_path_factory.mktemp("models") / "tiny-sd15")


@pytest.fixture(scope="session")
def tiny_sdxl_turbo(tiny_sdxl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny SDXL pipeline under a name with "sdxl-turbo" in it, so the turbo preset applies
    (1 step, no guidance, 512 pixels unless a request gives a size)."""
    return Path(shutil.copytree(tiny_sdxl, tmp_path_factory.mktemp("models") / "tiny-sdxl-turbo"))


@pytest.fixture
def settings(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The shared settings, with local model directories allowed under the test's temp root
    (where the tiny pipelines are)."""
    images = settings.images.model_copy(update={"model_dirs": [tmp_path_factory.getbasetemp()]})
    return settings.model_copy(update={"images": images})
