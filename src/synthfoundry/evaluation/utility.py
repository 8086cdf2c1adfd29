"""Utility: does a model trained on synthetic rows predict real ones as well as one trained on
real rows? Both are scikit-learn HistGradientBoosting models with the same settings."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.inspection import permutation_importance
from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score, roc_auc_score

from synthfoundry.errors import InvalidInput
from synthfoundry.evaluation.frames import is_continuous, label_view, numeric_view
from synthfoundry.evaluation.report import UtilityReport
from synthfoundry.tabular.metadata import ColumnKind, Metadata

IMPORTANCE_ROWS = 2000
SPLIT_SEED = 0


def _features(
    frames: list[pd.DataFrame], metadata: Metadata, columns: list[str]
) -> list[pd.DataFrame]:
    """Numbers as floats, categories as pandas categoricals over the labels of all frames."""
    out: list[dict[str, object]] = [{} for _ in frames]
    for name in columns:
        column = metadata.column(name)
        if is_continuous(column.kind):
            for index, frame in enumerate(frames):
                out[index][name] = numeric_view(frame[name], column.kind, column.datetime_format)
        else:
            labels = [label_view(frame[name], column.kind) for frame in frames]
            categories = sorted(set().union(*[set(label) for label in labels]))
            for index, label in enumerate(labels):
                out[index][name] = pd.Categorical(label, categories=categories)
    return [pd.DataFrame(values) for values in out]


def _model(task: str, seed: int) -> HistGradientBoostingClassifier | HistGradientBoostingRegressor:
    if task == "classification":
        return HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    return HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=seed)


def _scores(
    task: str, model: object, features: pd.DataFrame, target: np.ndarray
) -> dict[str, float]:
    if task == "regression":
        predicted = model.predict(features)  # type: ignore[attr-defined]
        return {
            "r2": float(r2_score(target, predicted)),
            "mae": float(mean_absolute_error(target, predicted)),
        }
    predicted = model.predict(features)  # type: ignore[attr-defined]
    scores = {"accuracy": float(accuracy_score(target, predicted))}
    classes = list(model.classes_)  # type: ignore[attr-defined]
    present = sorted(set(target))
    if len(classes) < 2 or len(present) < 2:
        scores["roc_auc"] = 0.5  # a model that saw one class cannot rank
        return scores
    probabilities = model.predict_proba(features)  # type: ignore[attr-defined]
    if len(present) == 2:
        positive = present[1]
        column = classes.index(positive) if positive in classes else None
        scores["roc_auc"] = (
            0.5
            if column is None
            else float(roc_auc_score(target == positive, probabilities[:, column]))
        )
        return scores
    matrix = np.zeros((len(target), len(present)))
    for index, label in enumerate(present):
        if label in classes:
            matrix[:, index] = probabilities[:, classes.index(label)]
    matrix = matrix / np.clip(matrix.sum(axis=1, keepdims=True), 1e-12, None)
    scores["roc_auc"] = float(roc_auc_score(target, matrix, multi_class="ovr", labels=present))
    return scores


def _importances(
    model: object, features: pd.DataFrame, target: np.ndarray, task: str, seed: int
) -> np.ndarray:
    rows = np.random.default_rng(seed).permutation(len(features))[:IMPORTANCE_ROWS]
    scoring = "r2" if task == "regression" else "accuracy"
    result = permutation_importance(
        model, features.iloc[rows], target[rows], n_repeats=2, random_state=seed, scoring=scoring
    )
    return np.asarray(result.importances_mean)


def utility(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None,
    metadata: Metadata,
    columns: list[str],
    target: str,
    seed: int = SPLIT_SEED,
) -> UtilityReport:
    if target not in columns:
        raise InvalidInput(
            f"target {target!r} is not a column that can be predicted", field="target"
        )
    kind = metadata.kind(target)
    task = "regression" if is_continuous(kind) and kind != ColumnKind.DATETIME else "classification"
    if kind == ColumnKind.DATETIME:
        raise InvalidInput("a datetime target is not supported", field="target")
    test_set = "holdout"
    train = real
    if holdout is None:
        test_set = "real_split"
        order = np.random.default_rng(seed).permutation(len(real))
        cut = int(len(real) * 0.8)
        train, holdout = real.iloc[order[:cut]], real.iloc[order[cut:]]
    features = [name for name in columns if name != target]
    if not features:
        raise InvalidInput("utility needs at least one column besides the target", field="target")

    def labels(frame: pd.DataFrame) -> np.ndarray:
        if task == "regression":
            return numeric_view(frame[target], kind, None)
        return label_view(frame[target], kind).astype(str)

    frames = [train, synthetic, holdout]
    targets = [labels(frame) for frame in frames]
    if task == "regression":  # rows without a target value can neither teach nor test
        masks = [~np.isnan(target_values) for target_values in targets]
        frames = [frame[mask] for frame, mask in zip(frames, masks, strict=True)]
        targets = [values[mask] for values, mask in zip(targets, masks, strict=True)]
    y_train, y_synthetic, y_test = targets
    x_train, x_synthetic, x_test = _features(frames, metadata, features)
    real_model = _model(task, seed).fit(x_train, y_train)
    synthetic_model = _model(task, seed).fit(x_synthetic, y_synthetic)
    trtr = _scores(task, real_model, x_test, y_test)
    tstr = _scores(task, synthetic_model, x_test, y_test)
    main = "r2" if task == "regression" else "roc_auc"
    score = 0.0 if trtr[main] <= 0 else min(1.0, max(0.0, tstr[main] / trtr[main]))
    agreement = None
    if len(features) >= 2:
        real_importance = _importances(real_model, x_test, y_test, task, seed)
        synthetic_importance = _importances(synthetic_model, x_test, y_test, task, seed)
        if np.std(real_importance) > 0 and np.std(synthetic_importance) > 0:
            agreement = float(stats.spearmanr(real_importance, synthetic_importance).statistic)
    return UtilityReport(
        target=target,
        task=task,
        test_set=test_set,
        test_rows=len(x_test),
        tstr={key: round(value, 6) for key, value in tstr.items()},
        trtr={key: round(value, 6) for key, value in trtr.items()},
        score=round(score, 6),
        importance_agreement=None if agreement is None else round(agreement, 6),
    )
