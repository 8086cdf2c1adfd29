"""Evaluation benchmark: speed of a full evaluation of Adult, and agreement of our fidelity
scores with SDMetrics' QualityReport on the same tables.

    .venv/bin/python -m benchmarks.evaluation [--rows 5000]

SDMetrics (MIT, but it depends on Copulas, Business Source License) is installed by this
benchmark into benchmarks/.venv-sdmetrics and runs there, in its own process; src/ never imports
it. Synthetic tables: three stand-ins with known character (independent marginals, resampled
unseen real rows, a noisy copy), the output of every registered tabular synthesizer fitted on
the same sample, and any saved output under benchmarks/results/synthetic/<dataset>/<name>.csv.
Prints a table and writes benchmarks/results/evaluation.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from synthfoundry import get_synthesizer, list_synthesizers
from synthfoundry.evaluation import evaluate
from synthfoundry.synthesizers import Modality
from synthfoundry.tabular.metadata import ColumnKind, Metadata

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "data"
RESULTS = HERE / "results"
SDMETRICS_VENV = HERE / ".venv-sdmetrics"
DATASETS = ("adult", "creditcard", "online_shoppers", "airbnb", "breast_cancer")
SDTYPES = {
    ColumnKind.INTEGER: "numerical",
    ColumnKind.FLOAT: "numerical",
    ColumnKind.CATEGORICAL: "categorical",
    ColumnKind.BOOLEAN: "boolean",
    ColumnKind.CONSTANT: "categorical",
    ColumnKind.DATETIME: "datetime",
}


def ensure_sdmetrics() -> Path:
    python = SDMETRICS_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(SDMETRICS_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "sdmetrics", "pandas"], check=True
        )
    return python


def stand_ins(
    train: pd.DataFrame, holdout: pd.DataFrame, metadata: Metadata, rows: int
) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(0)
    base = train.sample(rows, random_state=1).reset_index(drop=True)
    marginals = pd.DataFrame({c: rng.permutation(base[c].to_numpy()) for c in base.columns})
    noisy = base.copy()
    for column in metadata.columns:
        values = noisy[column.name]
        if column.kind in (ColumnKind.INTEGER, ColumnKind.FLOAT):
            noise = rng.normal(0, 0.1 * float(np.nanstd(values.astype(float))), len(values))
            noisy[column.name] = values + (
                np.round(noise) if column.kind == ColumnKind.INTEGER else noise
            )
        elif column.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
            swap = rng.random(len(values)) < 0.1
            noisy.loc[swap, column.name] = rng.choice(values.dropna().to_numpy(), swap.sum())
    return {
        "independent marginals": marginals,
        "unseen real rows": holdout.sample(rows, replace=True, random_state=2).reset_index(
            drop=True
        ),
        "noisy copy": noisy,
    }


def synthesizer_outputs(
    dataset: str, real: pd.DataFrame, metadata: Metadata
) -> dict[str, pd.DataFrame]:
    """Every registered tabular synthesizer fitted on the sample, plus saved outputs of others."""
    outputs = {}
    for name, cls in list_synthesizers().items():
        if cls.capabilities.modality == Modality.TABULAR:
            synthesizer = get_synthesizer(name, seed=0)
            fitted = synthesizer.fit(real, metadata=metadata)  # type: ignore[attr-defined]
            outputs[name] = fitted.sample(len(real), seed=1)
    folder = RESULTS / "synthetic" / dataset
    if folder.exists():
        for path in sorted(folder.glob("*.csv")):
            outputs[path.stem] = pd.read_csv(path).head(len(real))
    return outputs


def sdmetrics_scores(
    python: Path, real: pd.DataFrame, synthetic: pd.DataFrame, metadata: Metadata
) -> dict[str, float]:
    compared = [c for c in metadata.columns if c.kind in SDTYPES]
    sdmetadata = {
        "columns": {
            c.name: {
                "sdtype": SDTYPES[c.kind],
                **({"datetime_format": c.datetime_format} if c.datetime_format else {}),
            }
            for c in compared
        }
    }
    names = [c.name for c in compared]
    with tempfile.TemporaryDirectory() as directory:
        paths = [Path(directory) / name for name in ("real.csv", "synthetic.csv", "metadata.json")]
        real[names].to_csv(paths[0], index=False)
        synthetic[names].to_csv(paths[1], index=False)
        paths[2].write_text(json.dumps(sdmetadata))
        output = subprocess.run(
            [str(python), str(HERE / "sdmetrics_reference.py"), *map(str, paths)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    scores: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return scores


def timing() -> dict[str, float]:
    train, holdout = pd.read_csv(DATA / "adult_train.csv"), pd.read_csv(DATA / "adult_holdout.csv")
    rng = np.random.default_rng(3)
    synthetic = pd.DataFrame({c: rng.permutation(train[c].to_numpy()) for c in train.columns})
    started = time.perf_counter()
    report = evaluate(train, synthetic, holdout=holdout, target="income")
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "rows": len(train),
        "privacy_sample_rows": report.privacy.sample_rows if report.privacy else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--rows", type=int, default=5000, help="rows per table in the agreement check"
    )
    args = parser.parse_args()
    python = ensure_sdmetrics()
    rows = []
    for dataset in DATASETS:
        train, holdout = (
            pd.read_csv(DATA / f"{dataset}_train.csv"),
            pd.read_csv(DATA / f"{dataset}_holdout.csv"),
        )
        real = train.sample(min(args.rows, len(train)), random_state=0).reset_index(drop=True)
        metadata = Metadata.detect(real)
        tables = {
            **stand_ins(train, holdout, metadata, len(real)),
            **synthesizer_outputs(dataset, real, metadata),
        }
        for name, synthetic in tables.items():
            ours = evaluate(real, synthetic, metadata=metadata).fidelity
            compatible = evaluate(real, synthetic, metadata=metadata, binning="sdmetrics").fidelity
            reference = sdmetrics_scores(python, real, synthetic, metadata)
            rows.append(
                {
                    "dataset": dataset,
                    "table": name,
                    "shapes_ours": ours.column_shapes,
                    "shapes_sdmetrics": round(reference["column_shapes"], 6),
                    "pairs_ours": ours.column_pair_trends,
                    "pairs_ours_sdmetrics_binning": compatible.column_pair_trends,
                    "pairs_sdmetrics": round(reference["column_pair_trends"], 6),
                }
            )
            row = rows[-1]
            print(
                f"{dataset:16} {name:22} "
                f"shapes {row['shapes_ours']:.3f} vs {row['shapes_sdmetrics']:.3f}   "
                f"pairs {row['pairs_ours_sdmetrics_binning']:.3f} vs {row['pairs_sdmetrics']:.3f} "
                f"(shared bins: {row['pairs_ours']:.3f})",
                flush=True,
            )
    speed = timing()
    worst_shapes = max(abs(r["shapes_ours"] - r["shapes_sdmetrics"]) for r in rows)
    worst_pairs = max(abs(r["pairs_ours_sdmetrics_binning"] - r["pairs_sdmetrics"]) for r in rows)
    print(
        f"\nLargest difference from SDMetrics: column shapes {worst_shapes:.4f}, pair trends "
        f"{worst_pairs:.4f} with SDMetrics' binning (target: 0.02)"
    )
    print(
        f"Full evaluation of Adult ({speed['rows']} rows, holdout, target): "
        f"{speed['seconds']} s on "
        f"{os.cpu_count()} cores (target: 30 s)"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "evaluation.json").write_text(
        json.dumps(
            {
                "agreement": rows,
                "max_difference": {
                    "column_shapes": worst_shapes,
                    "column_pair_trends": worst_pairs,
                },
                "adult_full_evaluation": speed,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
