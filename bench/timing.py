"""What the single-process benchmarks share: timing one call per item, and where it was measured."""

from __future__ import annotations

import os
import platform
import resource
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def time_each(items: Sequence[T], call: Callable[[T], object], *, rounds: int) -> dict[str, Any]:
    """Calls per CPU second over ``rounds`` passes, and the wall-clock latency of one call."""
    latencies: list[float] = []
    start = time.process_time()
    for _ in range(rounds):
        for item in items:
            began = time.perf_counter()
            call(item)
            latencies.append((time.perf_counter() - began) * 1e6)
    cpu_s = time.process_time() - start
    latencies.sort()
    return {
        "narratives": len(latencies),
        "narratives_per_cpu_s": round(len(latencies) / cpu_s, 1),
        "latency_us": {
            "p50": round(latencies[len(latencies) // 2]),
            "p99": round(latencies[int(len(latencies) * 0.99)]),
            "max": round(latencies[-1]),
        },
    }


def where() -> dict[str, Any]:
    """The date, the machine and this process's peak memory."""
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def rss_mb(pid: int) -> float:
    """A running process's resident memory, in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a running process so far, in seconds (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
