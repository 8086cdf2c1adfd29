"""Runs an SDV model inside benchmarks/.venv-sdv (Business Source License: benchmarks only).
``python sdv_runner.py MODEL EPOCHS TRAIN.csv OUT.csv ROWS THREADS``"""

from __future__ import annotations

import sys
from typing import Any

import pandas as pd
from common import run  # type: ignore[import-not-found]
from sdv.metadata import Metadata
from sdv.single_table import CTGANSynthesizer, GaussianCopulaSynthesizer, TVAESynthesizer


def main() -> None:
    model_name, epochs = sys.argv.pop(1), int(sys.argv.pop(1))

    def fit(train: pd.DataFrame) -> Any:
        metadata = Metadata.detect_from_dataframes({"table": train})
        if model_name == "gaussian_copula":
            model: Any = GaussianCopulaSynthesizer(metadata)
        elif model_name == "ctgan":
            model = CTGANSynthesizer(metadata, epochs=epochs)
        else:
            model = TVAESynthesizer(metadata, epochs=epochs)
        model.fit({"table": train})
        return model

    def sample(model: Any, rows: int) -> pd.DataFrame:
        made = model.sample(num_rows=rows)  # SDV 2 answers {table name: frame}
        return made["table"] if isinstance(made, dict) else made

    run(fit, sample)


if __name__ == "__main__":
    main()
