"""Fidelity against unseen rows: the synthetic table and the training table, each scored with the
same metrics against the holdout. A model that reproduces its training rows' noise scores well
against those rows and gains nothing here; the training rows' own score is the ceiling a model
that learned the population can expect, so the ratio of the two is comparable across tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthfoundry.evaluation.fidelity import fidelity
from synthfoundry.evaluation.frames import Binning
from synthfoundry.evaluation.report import HoldoutFidelity
from synthfoundry.tabular.metadata import Metadata


def _rows(frame: pd.DataFrame, size: int, rng: np.random.Generator) -> pd.DataFrame:
    if len(frame) <= size:
        return frame
    return frame.iloc[np.sort(rng.choice(len(frame), size, replace=False))]


def holdout_fidelity(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    metadata: Metadata,
    columns: list[str],
    seed: int,
    binning: Binning = "shared",
) -> HoldoutFidelity:
    # Both tables are scored at the same size: sampling noise lowers the score of a smaller one.
    size = min(len(real), len(synthetic))
    rng = np.random.default_rng(seed)
    synthetic_rows = _rows(synthetic, size, rng)
    training_rows = _rows(real, size, rng)
    against_synthetic, _ = fidelity(holdout, synthetic_rows, metadata, columns, [], binning=binning)
    ceiling, _ = fidelity(holdout, training_rows, metadata, columns, [], binning=binning)
    return HoldoutFidelity(
        rows=size,
        score=against_synthetic.score,
        column_shapes=against_synthetic.column_shapes,
        column_pair_trends=against_synthetic.column_pair_trends,
        ceiling=ceiling.score,
        ceiling_column_shapes=ceiling.column_shapes,
        ceiling_column_pair_trends=ceiling.column_pair_trends,
        relative=round(against_synthetic.score / ceiling.score, 6) if ceiling.score else 0.0,
    )
