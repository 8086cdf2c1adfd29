"""Host figures from a fake ``/proc`` and a fake torch."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from synthfoundry.monitoring import host


def write_stat(proc: Path, busy: int, idle: int) -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice
    (proc / "stat").write_text(f"cpu  {busy} 0 0 {idle} 0 0 0 0 7 0\ncpu0 1 2 3 4\n")


def test_cpu_percent_is_the_busy_share_between_two_readings(tmp_path: Path) -> None:
    clock = iter([0.0, 0.0, 10.0, 10.0, 10.1, 10.1, 10.2]).__next__
    meter = host.CpuMeter(proc=tmp_path, clock=clock)
    write_stat(tmp_path, busy=100, idle=900)

    first = meter.percent()  # no earlier reading: a short sample of an idle machine
    write_stat(tmp_path, busy=400, idle=1000)
    second = meter.percent()  # since the first call's reading
    third = meter.percent()  # too soon after: a fresh sample, with nothing new

    assert (first, second, third) == (0.0, 75.0, 0.0)


def test_cpu_percent_is_unknown_without_proc(tmp_path: Path) -> None:
    assert host.CpuMeter(proc=tmp_path / "missing").percent() is None


def test_memory_comes_from_meminfo_and_statm(tmp_path: Path) -> None:
    (tmp_path / "meminfo").write_text(
        "MemTotal:       16000000 kB\nMemFree:  1000 kB\nMemAvailable:   12000000 kB\n"
        "HugePages_Total:       0\n"
    )
    (tmp_path / "self").mkdir()
    (tmp_path / "self" / "statm").write_text("5000 2000 300 1 0 900 0\n")

    figures = host.memory(tmp_path)

    assert figures.total_bytes == 16_000_000 * 1024
    assert figures.available_bytes == 12_000_000 * 1024
    assert figures.used_bytes == 4_000_000 * 1024
    assert figures.process_rss_bytes == 2000 * os.sysconf("SC_PAGE_SIZE")


def test_memory_without_proc_knows_only_the_total(tmp_path: Path) -> None:
    figures = host.memory(tmp_path / "missing")

    assert figures.total_bytes == os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert (figures.available_bytes, figures.used_bytes, figures.process_rss_bytes) == (
        None,
        None,
        None,
    )


def fake_torch(*, initialised: bool) -> ModuleType:
    def no_nvml(index: int) -> int:
        raise ModuleNotFoundError("nvidia-ml-py does not seem to be installed")

    torch = ModuleType("torch")
    torch.cuda = SimpleNamespace(  # type: ignore[attr-defined]
        is_available=lambda: True,
        is_initialized=lambda: initialised,
        device_count=lambda: 2,
        get_device_properties=lambda index: SimpleNamespace(
            name=f"Fake GPU {index}", total_memory=80 * 2**30
        ),
        device_memory_used=lambda index: 2**30 * (index + 1),
        utilization=no_nvml,
        memory_allocated=lambda index: 5,
        memory_reserved=lambda index: 8,
    )
    return torch


def test_gpus_are_read_only_where_torch_is_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    assert host.gpus() == []
    assert "torch" not in sys.modules  # not imported for this

    monkeypatch.setitem(sys.modules, "torch", fake_torch(initialised=True))
    first, second = host.gpus()
    assert first.model_dump() == {
        "index": 0,
        "name": "Fake GPU 0",
        "memory_total_bytes": 80 * 2**30,
        "memory_used_bytes": 2**30,
        "utilization_percent": None,
        "process_allocated_bytes": 5,
        "process_reserved_bytes": 8,
    }
    assert second.memory_used_bytes == 2 * 2**30


def test_gpus_do_not_initialise_cuda_for_monitoring(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = fake_torch(initialised=False)

    def initialises(index: int) -> None:
        raise AssertionError("CUDA initialised by the monitoring view")

    torch.cuda.get_device_properties = initialises  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torch", torch)

    (first, _second) = host.gpus()

    assert (first.name, first.memory_total_bytes, first.memory_used_bytes) == (None, None, 2**30)
    assert (first.process_allocated_bytes, first.process_reserved_bytes) == (0, 0)
