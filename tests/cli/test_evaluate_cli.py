from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from synthfoundry.cli.main import app

runner = CliRunner()


def write(path: Path, rows: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"a": rng.normal(size=rows), "b": rng.choice(["u", "v"], rows)})
    if path.suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    return path


def test_evaluate_writes_html_and_json_and_prints_a_summary(tmp_path: Path) -> None:
    real, synthetic = write(tmp_path / "real.csv", 300, 1), write(tmp_path / "syn.parquet", 300, 2)
    holdout = write(tmp_path / "holdout.csv", 100, 3)

    result = runner.invoke(
        app,
        [
            "evaluate",
            str(real),
            str(synthetic),
            "--holdout",
            str(holdout),
            "--target",
            "b",
            "-o",
            str(tmp_path / "r.html"),
            "--json",
            str(tmp_path / "r.json"),
        ],
    )

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert set(summary) == {
        "fidelity",
        "fidelity_vs_holdout",
        "fidelity_vs_holdout_ceiling",
        "utility",
        "privacy_closer_to_train_share",
        "validity",
    }
    assert 0 < summary["fidelity_vs_holdout"] <= 1
    assert (tmp_path / "r.html").read_text().startswith("<!doctype html>")
    assert json.loads((tmp_path / "r.json").read_text())["rows"] == {
        "real": 300,
        "synthetic": 300,
        "holdout": 100,
    }


def test_evaluate_reports_bad_input(tmp_path: Path) -> None:
    real = write(tmp_path / "real.csv", 50, 1)
    other = tmp_path / "other.csv"
    pd.DataFrame({"z": [1, 2]}).to_csv(other, index=False)

    mismatched = runner.invoke(app, ["evaluate", str(real), str(other)])
    missing = runner.invoke(app, ["evaluate", str(real), str(tmp_path / "none.csv")])

    assert mismatched.exit_code == 1
    assert "columns differ" in mismatched.stderr
    assert missing.exit_code == 2
    assert "no such file" in missing.stderr
