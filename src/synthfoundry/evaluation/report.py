"""The quality report: a pydantic model, serialised to JSON and rendered to HTML."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field


class ColumnShape(BaseModel):
    column: str
    kind: str
    metric: Literal["ks_complement", "tv_complement"]
    score: float
    missing_similarity: float
    coverage: float = Field(
        description="share of the real range or categories that synthetic covers"
    )


class PairTrend(BaseModel):
    columns: tuple[str, str]
    metric: Literal["correlation_similarity", "contingency_similarity"]
    score: float
    real: float | None = None
    synthetic: float | None = None
    real_association: float = Field(description="|Pearson r| or Cramer's V in the real data")
    counted: bool = Field(description="whether the real relationship is strong enough to count")


class SkippedColumn(BaseModel):
    column: str
    reason: str


class FidelityReport(BaseModel):
    score: float = Field(description="mean of column_shapes and column_pair_trends, in [0, 1]")
    column_shapes: float
    column_pair_trends: float | None = Field(
        description="average over pairs with a real relationship; None when no pair has one"
    )
    missing_similarity: float
    coverage: float
    columns: list[ColumnShape]
    pairs: list[PairTrend]
    skipped: list[SkippedColumn] = Field(default_factory=list)


class HoldoutFidelity(BaseModel):
    """Fidelity scored against real rows the model never saw (see evaluation/holdout.py)."""

    rows: int = Field(description="rows of each table scored (the smaller of training, synthetic)")
    score: float = Field(description="the synthetic table's fidelity against the holdout")
    column_shapes: float
    column_pair_trends: float | None
    ceiling: float = Field(description="the training rows' own fidelity against the holdout")
    ceiling_column_shapes: float
    ceiling_column_pair_trends: float | None
    relative: float = Field(description="score over ceiling: 1.0 is as good as real rows")


class UtilityReport(BaseModel):
    target: str
    task: Literal["classification", "regression"]
    model: str = "HistGradientBoosting"
    test_set: Literal["holdout", "real_split"]
    test_rows: int
    tstr: dict[str, float] = Field(description="trained on synthetic, tested on real")
    trtr: dict[str, float] = Field(description="trained on real, tested on real")
    score: float = Field(
        description="TSTR over TRTR for the main metric (ROC-AUC or R2), capped at 1"
    )
    importance_agreement: float | None = Field(
        default=None, description="Spearman correlation of the two models' permutation importances"
    )


class DistanceSummary(BaseModel):
    p05: float
    median: float
    mean: float


class PrivacyReport(BaseModel):
    encoding: str
    sample_rows: int
    dcr_synthetic_to_train: DistanceSummary
    dcr_holdout_to_train: DistanceSummary
    closer_to_train_share: float = Field(
        description="share of synthetic rows whose nearest real row is a training row rather "
        "than a holdout row, against a training sample as large as the holdout: 0.5 is good"
    )
    exact_copy_rate: float
    holdout_exact_copy_rate: float = Field(
        description="the same for real unseen rows: the baseline"
    )
    nndr_synthetic_median: float
    nndr_holdout_median: float
    membership_inference_auc: float = Field(description="about 0.5 is good")
    histogram_edges: list[float]
    histogram_synthetic: list[int]
    histogram_holdout: list[int]


class ColumnValidity(BaseModel):
    column: str
    out_of_range: float = 0.0
    unknown_categories: float = 0.0
    null_rate_real: float
    null_rate_synthetic: float
    duplicate_keys: float = 0.0


class ValidityReport(BaseModel):
    score: float = Field(description="1 minus the mean share of invalid values")
    columns: list[ColumnValidity]


class ColumnPlot(BaseModel):
    column: str
    kind: Literal["numeric", "categorical"]
    labels: list[str]
    real: list[float]
    synthetic: list[float]


class Plots(BaseModel):
    columns: list[ColumnPlot]
    association_columns: list[str]
    association_real: list[list[float]]
    association_synthetic: list[list[float]]


class QualityReport(BaseModel):
    version: int = 1
    created_at: datetime
    rows: dict[str, int]
    fidelity: FidelityReport
    holdout_fidelity: HoldoutFidelity | None = None
    utility: UtilityReport | None = None
    privacy: PrivacyReport | None = None
    validity: ValidityReport
    plots: Plots
    seconds: float
    notes: list[str] = Field(default_factory=list)

    def to_html(self) -> str:
        from synthfoundry.evaluation.html import render

        return render(self)

    def save_html(self, path: str | Path) -> None:
        Path(path).write_text(self.to_html(), encoding="utf-8")

    def summary(self) -> dict[str, Any]:
        return {
            "fidelity": self.fidelity.score,
            "fidelity_vs_holdout": self.holdout_fidelity.score if self.holdout_fidelity else None,
            "fidelity_vs_holdout_ceiling": self.holdout_fidelity.ceiling
            if self.holdout_fidelity
            else None,
            "utility": self.utility.score if self.utility else None,
            "privacy_closer_to_train_share": self.privacy.closer_to_train_share
            if self.privacy
            else None,
            "validity": self.validity.score,
        }
