"""Shared by the runners; standard library and pandas only, so that every environment has it."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import pandas as pd


def pin_threads(threads: int) -> None:
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = str(threads)
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        pass


def peak_rss_mib() -> float:
    """This process's own peak resident memory. (getrusage's ru_maxrss would include the parent's
    peak, which Linux carries across fork and exec.)"""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run(
    fit: Callable[[pd.DataFrame], Any],
    sample: Callable[[Any, int], pd.DataFrame],
) -> None:
    """argv: TRAIN.csv OUT.csv ROWS THREADS; prints one JSON line with the timings."""
    started = time.perf_counter()
    train_path, out_path, rows, threads = (
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]),
        int(sys.argv[4]),
    )
    pin_threads(threads)
    train = pd.read_csv(train_path)
    began = time.perf_counter()
    model = fit(train)
    fitted = time.perf_counter()
    synthetic = sample(model, rows)
    sampled = time.perf_counter()
    synthetic.to_csv(out_path, index=False)
    print(
        json.dumps(
            {
                "fit_seconds": fitted - began,
                "sample_seconds": sampled - fitted,
                "process_seconds": time.perf_counter() - started,
                "peak_rss_mib": peak_rss_mib(),
            }
        )
    )
