"""Memory soak: the whole pipeline at a rate it sustains for ten minutes, every process's memory sampled.

Verdict per process (``verdicts.memory_verdict``): after the warm-up, the least-squares slope of its
resident memory is below 1 MB/min and the last minute's mean is within max(10 MB, 5 %) of the first
post-warm-up minute's. Prints JSON.

    .venv/bin/python bench/soak.py --rate 20 --duration 600
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from dataclasses import asdict
from typing import Any

from e2e import Scenario, run_scenario
from timing import where
from verdicts import MemoryRule, memory_verdicts


def run_soak(
    *, rate: float, duration_s: float = 600.0, every_s: float = 10.0, rule: MemoryRule, drain_timeout_s: float = 30.0
) -> dict[str, Any]:
    """``rate`` reports/s for ``duration_s`` on a pipeline of its own; the run's figures and the verdicts."""
    run = run_scenario(Scenario(rate=rate, duration_s=duration_s, drain_timeout_s=drain_timeout_s, rss_every_s=every_s))
    verdicts = memory_verdicts(run["rss_mb_series"], rule)
    return {
        "rate_per_s": rate,
        "duration_s": duration_s,
        "sample_every_s": every_s,
        "rule": asdict(rule),
        "memory": {name: asdict(v) if v is not None else None for name, v in verdicts.items()},
        "all_flat": bool(verdicts) and all(v is not None and v.flat for v in verdicts.values()),
        "run": run,
    }


def main() -> None:
    # A SIGTERM (``timeout``, a CI runner) must still stop the broker, store and services it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rate", type=float, default=20.0, help="arrival rate, reports per second")
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of sending")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between memory samples")
    parser.add_argument("--warmup", type=float, default=120.0, help="seconds the verdict ignores at the start")
    parser.add_argument("--window", type=float, default=60.0, help="seconds of the first and last windows compared")
    parser.add_argument("--drain-timeout", type=float, default=30.0, help="seconds to wait for the last alert")
    args = parser.parse_args()
    if args.rate <= 0 or args.every <= 0:
        parser.error("--rate and --every must be positive")
    rule = MemoryRule(warmup_s=args.warmup, window_s=args.window)
    result = run_soak(
        rate=args.rate, duration_s=args.duration, every_s=args.every, rule=rule, drain_timeout_s=args.drain_timeout
    )
    print(json.dumps(where() | result, indent=2))


if __name__ == "__main__":
    main()
