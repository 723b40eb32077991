"""The benchmark suite's judgements, as pure functions: did a run keep up, is a process's memory flat.

Kept apart from the runners so that the rules the results file states are the rules the tests check.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

Sample = tuple[float, float]
"""One memory reading: (seconds since the run's first send, resident memory in MB)."""


class KeptUp(NamedTuple):
    """Whether a fixed-rate run kept up, and why not in words a reader of the results can act on."""

    kept_up: bool
    reason: str


def kept_up(*, offered: int, accepted: int, delivered: int) -> KeptUp:
    """A run kept up iff every report offered was accepted and every accepted one delivered by the drain's end.

    Reports the load generator could not send on schedule count against it too: a pipeline whose intake
    answers too slowly for the offered rate is not sustaining that rate.
    """
    if offered <= 0:
        return KeptUp(kept_up=False, reason="nothing was offered")
    if accepted < offered:
        return KeptUp(kept_up=False, reason=f"{offered - accepted} of {offered} offered were not accepted")
    if delivered < accepted:
        return KeptUp(kept_up=False, reason=f"backlog of {accepted - delivered} accepted, not delivered in the drain")
    return KeptUp(kept_up=True, reason="every offered report accepted and delivered within the drain")


def rate_in_window(times: Sequence[float], start: float, end: float) -> float:
    """Events per second among ``times`` that fall in ``[start, end)``: a saturated run's steady throughput."""
    if end <= start:
        return 0.0
    return sum(1 for t in times if start <= t < end) / (end - start)


def least_squares_slope(points: Sequence[Sample]) -> float:
    """The slope of the least-squares line through ``points`` (y per x unit); 0 with fewer than two x values."""
    if len(points) < 2:
        return 0.0
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


@dataclass(frozen=True, kw_only=True)
class MemoryRule:
    """The soak's rule for "flat": growth below ``max_slope_mb_per_min`` after the warm-up, and the last
    window's mean within ``max(tolerance_mb, tolerance_fraction x first window's mean)`` of the first's."""

    warmup_s: float = 120.0
    window_s: float = 60.0
    max_slope_mb_per_min: float = 1.0
    tolerance_mb: float = 10.0
    tolerance_fraction: float = 0.05


@dataclass(frozen=True, kw_only=True)
class MemoryVerdict:
    """One process over a soak: what the results table shows."""

    start_mb: float
    end_mb: float
    slope_mb_per_min: float
    first_window_mb: float
    last_window_mb: float
    samples: int
    flat: bool
    reason: str


def memory_verdict(samples: Sequence[Sample], rule: MemoryRule) -> MemoryVerdict | None:
    """Judge one process's memory series by ``rule``; None when there are no samples after the warm-up.

    ``start_mb`` and ``end_mb`` are the first and last readings of the whole run (warm-up included), so
    the table shows the growth a reader would see; the verdict itself only looks past the warm-up.
    """
    steady = sorted((t, mb) for t, mb in samples if t >= rule.warmup_s)
    if not steady:
        return None
    ordered = sorted(samples)
    first_end = steady[0][0] + rule.window_s
    last_start = steady[-1][0] - rule.window_s
    first_window = statistics.fmean(mb for t, mb in steady if t < first_end)
    last_window = statistics.fmean(mb for t, mb in steady if t > last_start)
    slope = least_squares_slope(steady) * 60.0
    tolerance = max(rule.tolerance_mb, rule.tolerance_fraction * first_window)
    drift = last_window - first_window
    reasons = []
    if slope >= rule.max_slope_mb_per_min:
        reasons.append(f"slope {slope:.2f} MB/min is not below {rule.max_slope_mb_per_min:g}")
    if abs(drift) > tolerance:
        reasons.append(f"last window's mean moved {drift:+.1f} MB, more than {tolerance:.1f}")
    return MemoryVerdict(
        start_mb=ordered[0][1],
        end_mb=ordered[-1][1],
        slope_mb_per_min=round(slope, 3),
        first_window_mb=round(first_window, 1),
        last_window_mb=round(last_window, 1),
        samples=len(steady),
        flat=not reasons,
        reason="; ".join(reasons) or "flat",
    )


def memory_verdicts(series: dict[str, list[Sample]], rule: MemoryRule) -> dict[str, MemoryVerdict | None]:
    """Every process's verdict; None for a process with no sample past the warm-up (it exited, or the
    soak was shorter than the warm-up), which the suite counts as not shown flat."""
    return {name: memory_verdict(samples, rule) for name, samples in series.items()}
