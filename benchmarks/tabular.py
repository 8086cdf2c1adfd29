"""Tabular synthesis benchmark: every registered tabular synthesizer against SDV's GaussianCopula,
CTGAN and TVAE and mostlyai-engine's TabularARGN, on every dataset in ../shared/data.

    .venv/bin/python -m benchmarks.tabular [--datasets adult] [--epochs 10] [--rows 50000]

Each model runs in a process of its own with the same thread count (default 1); other tools run
in virtual environments this benchmark creates (benchmarks/.venv-sdv, .venv-mostlyai; SDV is
under the Business Source License, so it never enters src/). Each fits the train split, samples
``--rows`` rows, and is judged against the train split and the holdout: quality is SDMetrics'
QualityReport overall score (from benchmarks/.venv-sdmetrics), fidelity, utility and privacy are
ours (synthfoundry.evaluation). Neural models train ``--epochs`` epochs, the same for ours and
SDV's; TabularARGN keeps its own defaults. Prints one table per dataset with ratios against the
best other tool and writes benchmarks/results/tabular.json after every run, which a later run
continues (``--fresh`` starts over).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.evaluation import DATA, RESULTS, ensure_sdmetrics, sdmetrics_scores
from synthfoundry import list_synthesizers
from synthfoundry.evaluation import evaluate
from synthfoundry.synthesizers import Modality
from synthfoundry.tabular.metadata import ColumnKind, Metadata
from synthfoundry.tabular.neural import NeuralSynthesizer

HERE = Path(__file__).resolve().parent
TOOLS = HERE / "tabular_tools"
OUTPUT = RESULTS / "tabular.json"
DATASETS = ("adult", "creditcard", "online_shoppers", "airbnb", "breast_cancer")
TORCH = "torch==2.13.0"  # the CPU wheel, installed first so that pip fetches no CUDA packages
ENVIRONMENTS = {"sdv": ["sdv==2.0.0"], "mostlyai": ["mostlyai-engine==2.7.3"]}
# The torchvision and torchaudio wheels on PyPI are CUDA builds that fail to load beside the CPU
# torch (transformers then cannot import); tabular TabularARGN needs neither.
REMOVE = {"mostlyai": ["torchvision", "torchaudio"]}
TIMEOUT_SECONDS = 3600


@dataclass(frozen=True)
class Tool:
    name: str
    ours: bool
    command: list[str]
    epochs: int | None = None


def ensure_environment(name: str) -> Path:
    folder = HERE / f".venv-{name}"
    python = folder / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        for packages in (["--upgrade", "pip"], [TORCH], ENVIRONMENTS[name]):
            subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
        if REMOVE.get(name):
            pip = [str(python), "-m", "pip", "uninstall", "-y", "-q"]
            subprocess.run([*pip, *REMOVE[name]], check=True)
    return python


def tools(epochs: int, only: set[str] | None) -> list[Tool]:
    found = []
    for name, cls in list_synthesizers().items():
        if cls.capabilities.modality != Modality.TABULAR:
            continue
        neural = issubclass(cls, NeuralSynthesizer)
        params: dict[str, Any] = {"seed": 0}
        if neural:
            params |= {"epochs": epochs, "threads": 1}
        command = [sys.executable, "-m", "benchmarks.tabular_tools.ours", name, json.dumps(params)]
        found.append(Tool(name, True, command, epochs if neural else None))
    runner = str(TOOLS / "sdv_runner.py")
    for model in ("gaussian_copula", "ctgan", "tvae"):
        neural = model != "gaussian_copula"
        command = ["@sdv", runner, model, str(epochs)]
        found.append(Tool(f"sdv_{model}", False, command, epochs if neural else None))
    found.append(Tool("tabularargn", False, ["@mostlyai", str(TOOLS / "mostlyai_runner.py")]))
    return [tool for tool in found if only is None or tool.name in only]


def run_tool(
    tool: Tool, train_path: Path, out_path: Path, rows: int, threads: int
) -> dict[str, Any]:
    command = list(tool.command)
    if command[0].startswith("@"):
        command[0] = str(ensure_environment(command[0][1:]))
    environment = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    completed = subprocess.run(
        [*command, str(train_path), str(out_path), str(rows), str(threads)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        cwd=HERE.parent,
        env=environment,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            completed.stderr.strip().splitlines()[-1] if completed.stderr else "failed"
        )
    timings: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return timings


def judge(
    dataset: str, info: dict[str, Any], synthetic: pd.DataFrame, sdmetrics_python: Path
) -> dict[str, Any]:
    train = pd.read_csv(DATA / f"{dataset}_train.csv")
    holdout = pd.read_csv(DATA / f"{dataset}_holdout.csv")
    target = info["target"]
    metadata = Metadata.detect(train)
    if info.get("positive") is not None and metadata.kind(target).is_numeric:
        metadata = metadata.with_overrides({target: ColumnKind.CATEGORICAL}, train)
    synthetic = synthetic[list(train.columns)]
    report = evaluate(train, synthetic, metadata, holdout, target)
    quality = sdmetrics_scores(sdmetrics_python, train, synthetic, metadata)
    utility = report.utility
    privacy = report.privacy
    return {
        "quality": quality["overall"],
        "quality_shapes": quality["column_shapes"],
        "quality_pairs": quality["column_pair_trends"],
        "fidelity": report.fidelity.score,
        "fidelity_vs_holdout": report.holdout_fidelity.score if report.holdout_fidelity else None,
        "holdout_ceiling": report.holdout_fidelity.ceiling if report.holdout_fidelity else None,
        "tstr_auc": utility.tstr.get("roc_auc") if utility else None,
        "trtr_auc": utility.trtr.get("roc_auc") if utility else None,
        "closer_to_train_share": privacy.closer_to_train_share if privacy else None,
        "exact_copy_rate": privacy.exact_copy_rate if privacy else None,
        "holdout_exact_copy_rate": privacy.holdout_exact_copy_rate if privacy else None,
    }


def _figure(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def table(dataset: str, records: list[dict[str, Any]]) -> str:
    done = [r for r in records if r["dataset"] == dataset and "quality" in r]
    others = [r for r in done if not r["ours"]]
    best = max(others, key=lambda r: r["quality"], default=None)
    header = (
        "| tool | epochs | fit s | sample rows/s | peak RSS MiB | quality | Δ best other"
        " | time ÷ best other | fidelity | on holdout (ceiling) | TSTR AUC (TRTR)"
        " | closer-to-train | exact copies (holdout) |"
    )
    lines = [f"### {dataset}", "", header, "|" + "---|" * 13]
    for r in sorted(done, key=lambda r: -r["quality"]):
        total = r["fit_seconds"] + r["sample_seconds"]
        time_ratio = total / (best["fit_seconds"] + best["sample_seconds"]) if best else None
        lines.append(
            "| "
            + " | ".join(
                [
                    ("**" + r["tool"] + "**") if r["ours"] else r["tool"],
                    _figure(r.get("epochs")),
                    f"{r['fit_seconds']:.1f}",
                    f"{r['rows'] / max(r['sample_seconds'], 1e-9):,.0f}",
                    f"{r['peak_rss_mib']:.0f}",
                    f"{r['quality']:.3f}",
                    f"{r['quality'] - best['quality']:+.3f}" if best else "-",
                    _figure(time_ratio, 2),
                    f"{r['fidelity']:.3f}",
                    f"{_figure(r.get('fidelity_vs_holdout'))}"
                    f" ({_figure(r.get('holdout_ceiling'))})",
                    f"{_figure(r['tstr_auc'])} ({_figure(r['trtr_auc'])})",
                    _figure(r["closer_to_train_share"]),
                    f"{_figure(r['exact_copy_rate'], 4)}"
                    f" ({_figure(r['holdout_exact_copy_rate'], 4)})",
                ]
            )
            + " |"
        )
    failed = [r for r in records if r["dataset"] == dataset and "error" in r]
    lines += [f"- {r['tool']} failed: {r['error']}" for r in failed]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--tools", default=None, help="comma-separated tool names; default all")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"{DATA} is absent: the benchmark needs the shared datasets")
    info = json.loads((DATA / "datasets.json").read_text())
    records: list[dict[str, Any]] = (
        [] if args.fresh or not OUTPUT.exists() else json.loads(OUTPUT.read_text())["records"]
    )
    only = set(args.tools.split(",")) if args.tools else None
    sdmetrics_python = ensure_sdmetrics()
    datasets = args.datasets.split(",")
    for dataset in datasets:
        for tool in tools(args.epochs, only):
            key = {"dataset": dataset, "tool": tool.name, "epochs": tool.epochs, "rows": args.rows}
            if any(
                "error" not in r and all(r.get(k) == v for k, v in key.items()) for r in records
            ):
                continue
            records = [r for r in records if any(r.get(k) != v for k, v in key.items())]
            print(f"{dataset}: {tool.name} ...", file=sys.stderr, flush=True)
            record: dict[str, Any] = {**key, "ours": tool.ours, "threads": args.threads}
            with tempfile.TemporaryDirectory() as directory:
                out = Path(directory) / "synthetic.csv"
                try:
                    record |= run_tool(
                        tool, DATA / f"{dataset}_train.csv", out, args.rows, args.threads
                    )
                    record |= judge(dataset, info[dataset], pd.read_csv(out), sdmetrics_python)
                except (RuntimeError, subprocess.TimeoutExpired, ValueError, KeyError) as exc:
                    record["error"] = str(exc)[-300:]
            records.append(record)
            RESULTS.mkdir(exist_ok=True)
            OUTPUT.write_text(json.dumps({"records": records}, indent=1))
    for dataset in datasets:
        print(table(dataset, records) + "\n")


if __name__ == "__main__":
    main()
