from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from synthfoundry.errors import InvalidInput
from synthfoundry.evaluation import evaluate
from tests.support.datasets import sample


def correlated(rows: int, seed: int) -> pd.DataFrame:
    """Two strongly linked numbers, a category that depends on them, and a target."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, rows)
    y = 2 * x + rng.normal(0, 0.3, rows)
    group = np.where(x > 0, "high", "low")
    target = np.where(x + rng.normal(0, 0.5, rows) > 0, "yes", "no")
    return pd.DataFrame({"x": x.round(3), "y": y.round(3), "group": group, "target": target})


def shuffled_columns(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {column: rng.permutation(frame[column].to_numpy()) for column in frame.columns}
    )


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return correlated(1500, seed=1)


@pytest.fixture(scope="module")
def holdout() -> pd.DataFrame:
    return correlated(500, seed=2)


def test_a_fresh_sample_of_the_same_process_scores_high(
    real: pd.DataFrame, holdout: pd.DataFrame
) -> None:
    report = evaluate(real, correlated(1500, seed=3), holdout=holdout, target="target")

    assert report.fidelity.score > 0.93
    assert report.utility is not None and report.utility.score > 0.95
    assert report.privacy is not None
    assert 0.4 < report.privacy.closer_to_train_share < 0.6
    assert 0.4 < report.privacy.membership_inference_auc < 0.6
    # rounding makes a few coincidental matches; no more than unseen real rows have
    assert report.privacy.exact_copy_rate <= max(0.005, 2 * report.privacy.holdout_exact_copy_rate)
    assert report.validity.score > 0.99


def test_independent_columns_keep_shapes_but_lose_trends_and_utility(
    real: pd.DataFrame, holdout: pd.DataFrame
) -> None:
    report = evaluate(real, shuffled_columns(real, seed=5), holdout=holdout, target="target")

    assert report.fidelity.column_shapes == pytest.approx(1.0)
    assert (
        report.fidelity.column_pair_trends is not None and report.fidelity.column_pair_trends < 0.75
    )
    xy = next(pair for pair in report.fidelity.pairs if pair.columns == ("x", "y"))
    assert xy.metric == "correlation_similarity"
    assert xy.real == pytest.approx(0.99, abs=0.01)
    assert abs(xy.synthetic or 0) < 0.1
    # A model fit to noise can still rank real rows by chance; it never comes close to TRTR.
    assert report.utility is not None
    assert report.utility.tstr["roc_auc"] < report.utility.trtr["roc_auc"] - 0.1


def test_copying_the_training_rows_is_flagged(real: pd.DataFrame, holdout: pd.DataFrame) -> None:
    report = evaluate(real, real.copy(), holdout=holdout, target="target")

    assert report.fidelity.score == pytest.approx(1.0)
    assert report.privacy is not None
    assert report.privacy.exact_copy_rate == 1.0
    assert report.privacy.dcr_synthetic_to_train.median == 0
    assert report.privacy.membership_inference_auc > 0.95


def test_against_unseen_rows_copying_the_training_noise_gains_nothing(
    holdout: pd.DataFrame,
) -> None:
    """On a small training table a copy of it scores far above a fresh sample of the same
    process against the training rows; against the holdout the two are level, at the ceiling
    (the training rows' own score there)."""
    small = correlated(300, seed=7)
    copied = evaluate(small, small.copy(), holdout=holdout)
    fresh = evaluate(small, correlated(300, seed=8), holdout=holdout)
    assert copied.holdout_fidelity is not None and fresh.holdout_fidelity is not None

    assert copied.fidelity.score > fresh.fidelity.score + 0.03
    assert copied.holdout_fidelity.score == pytest.approx(copied.holdout_fidelity.ceiling)
    assert copied.holdout_fidelity.relative == pytest.approx(1.0)
    # Two samples of 300 rows differ by about 0.02 by chance alone.
    assert copied.holdout_fidelity.score < fresh.holdout_fidelity.score + 0.03
    assert fresh.holdout_fidelity.relative == pytest.approx(1.0, abs=0.05)
    # Independent columns keep their shapes but lose their trends on unseen rows too.
    shuffled = evaluate(small, shuffled_columns(small, seed=9), holdout=holdout)
    assert shuffled.holdout_fidelity is not None
    assert shuffled.holdout_fidelity.relative < 0.9
    assert shuffled.summary()["fidelity_vs_holdout"] == shuffled.holdout_fidelity.score
    assert evaluate(small, small).holdout_fidelity is None


def test_values_outside_the_real_domain_lower_validity(real: pd.DataFrame) -> None:
    synthetic = real.copy()
    synthetic.loc[:99, "x"] = 1e6
    synthetic.loc[:49, "group"] = "unheard-of"

    report = evaluate(real, synthetic)
    by_column = {column.column: column for column in report.validity.columns}

    assert by_column["x"].out_of_range == pytest.approx(100 / 1500, abs=1e-6)
    assert by_column["group"].unknown_categories == pytest.approx(50 / 1500, abs=1e-6)
    assert report.validity.score < 1
    assert report.utility is None and report.privacy is None
    assert "no holdout given: privacy was not measured" in report.notes


def test_pyarrow_input_regression_target_and_json(real: pd.DataFrame) -> None:
    report = evaluate(
        pa.Table.from_pandas(real), pa.Table.from_pandas(correlated(800, 9)), target="y"
    )

    assert report.utility is not None
    assert report.utility.task == "regression"
    assert report.utility.test_set == "real_split"
    assert set(report.utility.tstr) == {"r2", "mae"}
    assert report.utility.tstr["r2"] > 0.8
    dumped = json.loads(report.model_dump_json())
    assert {"fidelity", "utility", "privacy", "validity"} <= set(dumped)
    assert {"score", "column_shapes", "column_pair_trends"} <= set(dumped["fidelity"])


def test_html_report_is_self_contained(real: pd.DataFrame, holdout: pd.DataFrame) -> None:
    html = evaluate(real, correlated(1000, 4), holdout=holdout, target="target").to_html()

    assert html.startswith("<!doctype html>")
    assert html.count("<svg") >= len(real.columns) + 3  # a chart per column, two heatmaps, privacy
    assert not re.search(r"(src|href)=\"?(https?:)?//", html)
    assert "<script" not in html
    assert "Against unseen rows (the holdout)" in html


@pytest.mark.parametrize(
    ("synthetic", "kwargs", "message"),
    [
        (lambda r: r.drop(columns="x"), {}, "synthetic table's columns differ.*missing 'x'"),
        (lambda r: r.assign(extra=1), {}, "unexpected 'extra'"),
        (lambda r: r.iloc[0:0], {}, "synthetic table has no rows"),
        (lambda r: r, {"target": "nope"}, "target 'nope' is not a column"),
        (lambda r: r, {"holdout": pd.DataFrame({"x": [1.0]})}, "holdout table's columns differ"),
        (lambda r: [1, 2, 3], {}, "must be a pandas DataFrame or a pyarrow Table"),
    ],
)
def test_bad_input_is_refused_with_a_clear_reason(
    real: pd.DataFrame, synthetic: object, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        evaluate(real, synthetic(real), **kwargs)  # type: ignore[operator, arg-type]


def test_adult_sample_end_to_end() -> None:
    train, holdout = sample("adult", rows=3000), sample("adult", "holdout", rows=1000)
    report = evaluate(train, shuffled_columns(train, 0), holdout=holdout, target="income")

    assert report.fidelity.column_shapes > 0.98
    assert (
        report.fidelity.column_pair_trends is not None and report.fidelity.column_pair_trends < 0.97
    )
    assert report.utility is not None and report.utility.trtr["roc_auc"] > 0.85
    assert report.privacy is not None and 0.4 < report.privacy.closer_to_train_share < 0.65


def test_pair_trends_count_only_pairs_related_in_the_real_data(real: pd.DataFrame) -> None:
    rng = np.random.default_rng(7)
    with_noise = real.assign(noise=rng.normal(size=len(real)))

    report = evaluate(with_noise, with_noise.sample(frac=1, random_state=1))
    by_pair = {pair.columns: pair for pair in report.fidelity.pairs}

    assert by_pair[("x", "y")].counted
    assert by_pair[("x", "y")].real_association > 0.9
    assert not by_pair[("x", "noise")].counted  # unrelated in the real data: scored, not averaged
    counted = [pair.score for pair in report.fidelity.pairs if pair.counted]
    assert report.fidelity.column_pair_trends == pytest.approx(np.mean(counted), abs=1e-6)


def test_sdmetrics_binning_cuts_each_table_on_its_own_edges() -> None:
    from synthfoundry.evaluation.frames import bins

    real, synthetic = np.array([0.0, 5.0, 10.0, np.nan]), np.array([0.0, 50.0, 100.0])

    shared_real, shared_synthetic, _ = bins(real, synthetic)
    own_real, own_synthetic, _ = bins(real, synthetic, binning="sdmetrics")

    assert list(shared_synthetic) == [0, 9, 9]  # beyond the real range: the last real bin
    assert list(own_synthetic) == list(own_real[:3])  # same positions in their own ranges
    assert own_real[2] == own_real[3]  # SDMetrics puts the maximum with the missing values
    assert shared_real[3] != shared_real[2]
