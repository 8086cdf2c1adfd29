"""Validity: synthetic values that the real table says cannot occur."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthfoundry.evaluation.frames import MISSING, is_continuous, label_view, numeric_view
from synthfoundry.evaluation.report import ColumnValidity, ValidityReport
from synthfoundry.tabular.metadata import ColumnKind, Metadata


def validity(real: pd.DataFrame, synthetic: pd.DataFrame, metadata: Metadata) -> ValidityReport:
    columns = []
    for column in metadata.columns:
        name = column.name
        entry = ColumnValidity(
            column=name,
            null_rate_real=round(float(real[name].isna().mean()), 6),
            null_rate_synthetic=round(float(synthetic[name].isna().mean()), 6),
        )
        if is_continuous(column.kind):
            real_values = numeric_view(real[name], column.kind, column.datetime_format)
            values = numeric_view(synthetic[name], column.kind, column.datetime_format)
            finite = values[np.isfinite(values)]
            if len(finite):
                low, high = np.nanmin(real_values), np.nanmax(real_values)
                entry.out_of_range = round(float(((finite < low) | (finite > high)).mean()), 6)
        elif column.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN, ColumnKind.CONSTANT):
            known = set(label_view(real[name], column.kind))
            labels = label_view(synthetic[name], column.kind)
            present = labels[labels != MISSING]
            if len(present):
                entry.unknown_categories = round(
                    float(np.mean([label not in known for label in present])), 6
                )
        elif column.kind == ColumnKind.IDENTIFIER and real[name].dropna().is_unique:
            values = synthetic[name].dropna()
            if len(values):
                entry.duplicate_keys = round(float(values.duplicated().mean()), 6)
        columns.append(entry)
    violations = [c.out_of_range + c.unknown_categories + c.duplicate_keys for c in columns]
    return ValidityReport(score=round(1 - float(np.mean(violations)), 6), columns=columns)
