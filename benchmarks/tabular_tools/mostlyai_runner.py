"""Runs mostlyai-engine's TabularARGN with its defaults inside benchmarks/.venv-mostlyai.
``python mostlyai_runner.py TRAIN.csv OUT.csv ROWS THREADS``"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from common import run  # type: ignore[import-not-found]
from mostlyai import engine


def main() -> None:
    workspace = Path(tempfile.mkdtemp(prefix="tabularargn-"))

    def fit(train: pd.DataFrame) -> Any:
        engine.split(workspace_dir=workspace, tgt_data=train, model_type="TABULAR")
        engine.analyze(workspace_dir=workspace)
        engine.encode(workspace_dir=workspace)
        engine.train(workspace_dir=workspace)
        return engine

    def sample(_: Any, rows: int) -> pd.DataFrame:
        engine.generate(workspace_dir=workspace, sample_size=rows)
        return pd.read_parquet(workspace / "SyntheticData")

    run(fit, sample)


if __name__ == "__main__":
    main()
