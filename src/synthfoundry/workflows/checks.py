"""A test step's checks: a metric of the evaluate step's report against a minimum or maximum."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from synthfoundry.workflows.schemas import CheckResult


def _utility_gap(report: dict[str, Any]) -> float | None:
    """How far a model trained on synthetic rows falls behind one trained on real rows: the
    largest drop over the report's utility metrics."""
    utility = report.get("utility")
    if not utility:
        return None
    real, synthetic = utility.get("trtr", {}), utility.get("tstr", {})
    gaps = [real[name] - synthetic[name] for name in real if name in synthetic]
    return round(max(gaps), 6) if gaps else None


def _at(*path: str) -> Callable[[dict[str, Any]], float | None]:
    def read(report: dict[str, Any]) -> float | None:
        value: Any = report
        for part in path:
            if not isinstance(value, dict) or value.get(part) is None:
                return None
            value = value[part]
        return float(value)

    return read


METRICS: dict[str, Callable[[dict[str, Any]], float | None]] = {
    "fidelity": _at("fidelity", "score"),
    "utility": _at("utility", "score"),
    "utility_gap": _utility_gap,
    "validity": _at("validity", "score"),
    "closer_to_train_share": _at("privacy", "closer_to_train_share"),
    "exact_copy_rate": _at("privacy", "exact_copy_rate"),
    "membership_inference_auc": _at("privacy", "membership_inference_auc"),
}


def run_checks(report: dict[str, Any], checks: list[dict[str, Any]]) -> list[CheckResult]:
    """Each check measured; a metric the report lacks (no holdout, no target) fails."""
    results = []
    for check in checks:
        metric = check["metric"]
        measured = METRICS[metric](report)
        low, high = check.get("min"), check.get("max")
        passed = measured is not None
        if measured is not None and low is not None:
            passed = passed and measured >= low
        if measured is not None and high is not None:
            passed = passed and measured <= high
        bounds = [
            f">= {low:g}" if low is not None else "",
            f"<= {high:g}" if high is not None else "",
        ]
        results.append(
            CheckResult(
                name=check.get("name") or metric,
                metric=metric,
                measured=None if measured is None else round(measured, 6),
                threshold=" and ".join(part for part in bounds if part),
                passed=passed,
            )
        )
    return results
