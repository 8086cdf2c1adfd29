"""The shared public datasets (../shared/data), for tests that want real data in small samples."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def require_shared_data() -> Path:
    if not (DATA / "datasets.json").exists():
        pytest.skip(f"the shared datasets are not at {DATA}; these tests need ../shared/data")
    return DATA


@cache
def _info() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((require_shared_data() / "datasets.json").read_text())
    return loaded


def dataset_info(name: str) -> dict[str, Any]:
    info: dict[str, Any] = _info()[name]
    return info


def sample(name: str, split: str = "train", rows: int = 1000, seed: int = 0) -> pd.DataFrame:
    frame = pd.read_csv(require_shared_data() / f"{name}_{split}.csv")
    return frame.sample(min(rows, len(frame)), random_state=seed).reset_index(drop=True)


DATASETS = ("adult", "creditcard", "online_shoppers", "airbnb", "breast_cancer")
