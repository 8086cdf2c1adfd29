"""CPU, memory and GPU figures of this machine and process, read from ``/proc`` (Linux) and, for
GPUs, from torch only where this process has imported it already. Any figure that cannot be read
here is ``None``; reading never fails."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from synthfoundry.logging import get_logger
from synthfoundry.monitoring.schemas import CpuFigures, GpuFigures, HostFigures, MemoryFigures

logger = get_logger("synthfoundry.monitoring")

PROC = Path("/proc")
CPU_SAMPLE_SECONDS = 0.1
MIN_CPU_WINDOW_SECONDS = 0.25


class CpuMeter:
    """Busy share of every CPU between two readings of ``/proc/stat``: since the previous call,
    or over a short sample when there is none (or it is too recent to mean much)."""

    def __init__(self, proc: Path = PROC, clock: Callable[[], float] = time.monotonic) -> None:
        self.proc = proc
        self.clock = clock
        self._lock = threading.Lock()
        self._previous: tuple[float, int, int] | None = None

    def _read(self) -> tuple[int, int] | None:
        """``(busy, total)`` jiffies of all CPUs since boot."""
        try:
            first = (self.proc / "stat").read_text().splitlines()[0].split()
        except (OSError, IndexError):
            return None
        if first[0] != "cpu":
            return None
        # user nice system idle iowait irq softirq steal (guest time is counted in user already)
        values = [int(value) for value in first[1:9]]
        total = sum(values)
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return total - idle, total

    def percent(self) -> float | None:
        with self._lock:
            previous = self._previous
            if previous is None or self.clock() - previous[0] < MIN_CPU_WINDOW_SECONDS:
                first = self._read()
                if first is None:
                    return None
                previous = (self.clock(), *first)
                time.sleep(CPU_SAMPLE_SECONDS)
            current = self._read()
            if current is None:
                return None
            self._previous = (self.clock(), *current)
        busy = current[0] - previous[1]
        total = current[1] - previous[2]
        return round(100.0 * busy / total, 1) if total > 0 else 0.0


_cpu_meter = CpuMeter()


def cpu(meter: CpuMeter = _cpu_meter) -> CpuFigures:
    try:
        load: list[float] | None = [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):  # not offered on this platform
        load = None
    return CpuFigures(count=os.cpu_count(), percent=meter.percent(), load_average=load)


def _meminfo(proc: Path) -> dict[str, int]:
    """``/proc/meminfo`` in bytes."""
    figures: dict[str, int] = {}
    try:
        lines = (proc / "meminfo").read_text().splitlines()
    except OSError:
        return figures
    for line in lines:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            figures[name] = int(parts[0]) * (1024 if parts[1:] == ["kB"] else 1)
    return figures


def _process_rss(proc: Path) -> int | None:
    try:
        pages = int((proc / "self" / "statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def memory(proc: Path = PROC) -> MemoryFigures:
    info = _meminfo(proc)
    total = info.get("MemTotal")
    available = info.get("MemAvailable")
    if total is None:  # no /proc here (macOS): the total is all that is cheap to know
        total = _physical_memory()
    return MemoryFigures(
        total_bytes=total,
        available_bytes=available,
        used_bytes=None if total is None or available is None else total - available,
        process_rss_bytes=_process_rss(proc),
    )


def _optional(read: Callable[[int], int], index: int) -> int | None:
    """An NVML figure through torch: absent without nvidia-ml-py, or without a driver."""
    try:
        return int(read(index))
    except Exception:
        return None


def gpus() -> list[GpuFigures]:
    """Each CUDA device, where this process has imported torch already (never imported here:
    it takes seconds and memory). Nothing here initialises CUDA either: names and totals come
    only once the process has, device-wide figures only through NVML."""
    if "torch" not in sys.modules:
        return []
    import torch

    try:
        if not torch.cuda.is_available():
            return []
        initialised = bool(torch.cuda.is_initialized())  # type: ignore[no-untyped-call]
        figures = []
        for index in range(torch.cuda.device_count()):
            name: str | None = None
            total: int | None = None
            allocated = reserved = 0
            if initialised:
                properties = torch.cuda.get_device_properties(index)
                name, total = properties.name, int(properties.total_memory)
                allocated = torch.cuda.memory_allocated(index)
                reserved = torch.cuda.memory_reserved(index)
            figures.append(
                GpuFigures(
                    index=index,
                    name=name,
                    memory_total_bytes=total,
                    memory_used_bytes=_optional(torch.cuda.device_memory_used, index),
                    utilization_percent=_optional(torch.cuda.utilization, index),
                    process_allocated_bytes=allocated,
                    process_reserved_bytes=reserved,
                )
            )
        return figures
    except Exception as exc:  # a driver problem must not fail the monitoring view
        logger.warning("could not read the GPUs", error=repr(exc))
        return []


def sample() -> HostFigures:
    return HostFigures(hostname=socket.gethostname(), cpu=cpu(), memory=memory(), gpus=gpus())
