"""Runs inside the benchmark-only SDMetrics environment (never imported by src/): SDMetrics'
QualityReport for one real/synthetic pair, printed as JSON.

    python sdmetrics_reference.py REAL.csv SYNTHETIC.csv METADATA.json
"""

from __future__ import annotations

import json
import sys

import pandas as pd
from sdmetrics.reports.single_table import QualityReport


def main() -> None:
    real_path, synthetic_path, metadata_path = sys.argv[1:4]
    with open(metadata_path) as handle:
        metadata = json.load(handle)
    real, synthetic = pd.read_csv(real_path), pd.read_csv(synthetic_path)
    for name, column in metadata["columns"].items():
        if column["sdtype"] == "datetime":
            for frame in (real, synthetic):
                frame[name] = pd.to_datetime(
                    frame[name], format=column.get("datetime_format"), errors="coerce"
                )
    report = QualityReport()
    report.generate(real, synthetic, metadata, verbose=False)
    properties = report.get_properties().set_index("Property")["Score"].to_dict()
    print(
        json.dumps(
            {
                "column_shapes": properties["Column Shapes"],
                "column_pair_trends": properties["Column Pair Trends"],
                "overall": report.get_score(),
            }
        )
    )


if __name__ == "__main__":
    main()
