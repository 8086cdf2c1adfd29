"""Runs one of our synthesizers: ``python -m benchmarks.tabular_tools.ours NAME PARAMS ...``."""

from __future__ import annotations

import json
import sys

import pandas as pd

from benchmarks.tabular_tools.common import run
from synthfoundry import get_synthesizer, list_synthesizers
from synthfoundry.tabular.base import TabularSynthesizer


def main() -> None:
    name, params = sys.argv.pop(1), json.loads(sys.argv.pop(1))
    list_synthesizers()  # imports (torch among them) are not part of the fit time

    def fit(train: pd.DataFrame) -> TabularSynthesizer:
        synthesizer = get_synthesizer(name, **params)
        assert isinstance(synthesizer, TabularSynthesizer)
        return synthesizer.fit(train)

    run(fit, lambda model, rows: model.sample(rows))


if __name__ == "__main__":
    main()
