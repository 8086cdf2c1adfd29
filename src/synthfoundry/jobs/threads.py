from __future__ import annotations

import os
import sys

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def limit_threads(count: int) -> None:
    """Set a job process's math-library threads. On a shared machine more threads than cores
    slows training down many times over (measured: 2 torch threads on 2 busy cores, 17x)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(count)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(count)
