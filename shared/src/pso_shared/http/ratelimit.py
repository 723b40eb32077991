"""Per-key rate limits: a token bucket for each API key, in this worker's memory.

Each worker limits on its own, so N workers allow N times the rate; a shared limit would need the
store on every request.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, *, rate_per_s: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate_per_s
        self._burst = burst
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key_id: str, cost: int = 1) -> float:
        """Spend ``cost`` tokens of ``key_id``'s bucket. Returns 0 when allowed, otherwise the seconds
        after which the same request would be (nothing is spent then)."""
        now = self._clock()
        bucket = self._buckets.setdefault(key_id, _Bucket(tokens=self._burst, updated=now))
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        if cost > self._burst:
            return math.inf
        if bucket.tokens >= cost:
            bucket.tokens -= cost
            return 0.0
        return (cost - bucket.tokens) / self._rate
