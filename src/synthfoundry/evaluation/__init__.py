"""Measuring synthetic data: fidelity, utility, privacy and validity, as a JSON + HTML report."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from synthfoundry.errors import InvalidInput
from synthfoundry.evaluation.fidelity import fidelity
from synthfoundry.evaluation.frames import (
    Binning,
    check_same_columns,
    comparable_columns,
    to_pandas,
)
from synthfoundry.evaluation.holdout import holdout_fidelity
from synthfoundry.evaluation.plots import plots
from synthfoundry.evaluation.privacy import privacy
from synthfoundry.evaluation.report import QualityReport
from synthfoundry.evaluation.utility import utility
from synthfoundry.evaluation.validity import validity
from synthfoundry.progress import Progress, silent
from synthfoundry.tabular.metadata import Metadata

__all__ = ["QualityReport", "evaluate"]


def evaluate(
    real: Any,
    synthetic: Any,
    metadata: Metadata | None = None,
    holdout: Any = None,
    target: str | None = None,
    *,
    seed: int = 0,
    progress: Progress = silent,
    binning: Binning = "shared",
) -> QualityReport:
    """Compare a synthetic table with the real one it imitates.

    ``real`` is the table the generator learned from; ``holdout``, real rows it never saw, makes
    privacy measurable, scores fidelity against unseen rows (beside the training rows' own score
    there, the ceiling) and is the test set for utility (without it, utility tests on a split of
    ``real``). ``target`` names the column that utility predicts. Tables are pandas DataFrames
    or pyarrow Tables with the same columns. ``binning="sdmetrics"`` cuts numbers into bins for
    pair trends the way SDMetrics' QualityReport does, for comparison with its figures.
    """
    started = time.perf_counter()
    real_frame = to_pandas(real, "real")
    synthetic_frame = check_same_columns(real_frame, to_pandas(synthetic, "synthetic"), "synthetic")
    holdout_frame = None
    if holdout is not None:
        holdout_frame = check_same_columns(real_frame, to_pandas(holdout, "holdout"), "holdout")
    if target is not None and target not in real_frame.columns:
        raise InvalidInput(f"target {target!r} is not a column of the tables", field="target")
    metadata = metadata or Metadata.detect(real_frame)
    metadata.validate_table(real_frame, allow_all_null=True)
    columns, skipped = comparable_columns(metadata)
    if not columns:
        raise InvalidInput("no column can be compared (all are identifiers or free text)")
    notes = []

    progress("fidelity", 0, None, "pairs")
    fidelity_report, prepared = fidelity(
        real_frame, synthetic_frame, metadata, columns, skipped, progress, binning
    )
    against_holdout = None
    if holdout_frame is not None:
        progress("fidelity", 0, None, "holdout")
        against_holdout = holdout_fidelity(
            real_frame, synthetic_frame, holdout_frame, metadata, columns, seed, binning
        )
    progress("validity", 0, 1)
    validity_report = validity(real_frame, synthetic_frame, metadata)
    utility_report = None
    if target is not None:
        progress("utility", 0, 1, "models")
        utility_report = utility(
            real_frame, synthetic_frame, holdout_frame, metadata, columns, target, seed
        )
        if utility_report.test_set == "real_split":
            notes.append("no holdout given: utility is tested on 20% of the real table")
    privacy_report = None
    if holdout_frame is not None:
        progress("privacy", 0, 1, "searches")
        privacy_report = privacy(
            real_frame, synthetic_frame, holdout_frame, metadata, columns, seed
        )
    else:
        notes.append("no holdout given: privacy was not measured")
    progress("report", 0, 1)
    report = QualityReport(
        created_at=datetime.now(UTC),
        rows={
            "real": len(real_frame),
            "synthetic": len(synthetic_frame),
            "holdout": 0 if holdout_frame is None else len(holdout_frame),
        },
        fidelity=fidelity_report,
        holdout_fidelity=against_holdout,
        utility=utility_report,
        privacy=privacy_report,
        validity=validity_report,
        plots=plots(prepared),
        seconds=round(time.perf_counter() - started, 3),
        notes=notes,
    )
    progress("report", 1, 1)
    return report
