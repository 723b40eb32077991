"""Intake benchmark: accepted reports per second through one intake worker (acks=all, sealing,
idempotency and authentication included), for the single and the batch endpoint, and latency at a
fixed arrival rate. Starts its own Kafka broker, FerretDB and intake. Prints JSON.

    .venv/bin/python bench/intake.py --count 3000 --rate 200

Throughput is measured closed loop with several numbers of concurrent clients: with too few, each
client mostly waits for its acknowledged produce and the figure is latency-bound, not what intake
can take; ``best_*`` is the highest of them.

The requests come from ``bench/loadgen`` (Go): a Python client would use more CPU than the intake.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from loadgen import build_loadgen, run_loadgen
from local_infra import local_infrastructure
from pso_deploy.keys import create_key
from pso_deploy.paths import free_port
from pso_deploy.pipeline import PipelineConfig, PipelineProcesses
from pso_deploy.synthetic import synthetic_report
from pso_shared.apikeys import Role
from timing import cpu_seconds

BATCH = 500


def measured(pids: dict[str, int], rate_field: str, reports: int, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``run``'s figures, under ``reports_per_s``, plus the CPU time per report of intake, the broker
    and the store (they share the machine's cores)."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    result = run()
    result["reports_per_s"] = result.get(rate_field, 0.0)
    for name, pid in pids.items():
        result[f"{name}_cpu_ms_per_report"] = round((cpu_seconds(pid) - before[name]) * 1000 / reports, 3)
    return result


def run(count: int, rate: float, senders: list[int], batch_senders: list[int]) -> dict[str, Any]:
    with local_infrastructure("pso-bench-intake-") as (work, kafka, store):
        config = PipelineConfig(
            kafka_bootstrap_servers=kafka.bootstrap_servers,
            store_uri=store.uri,
            intake_port=free_port(),
            workdir=work / "pipeline",
            extra_env={"PSO_INTAKE_LOG_LEVEL": "WARNING"},
        )
        intake = PipelineProcesses(config)
        try:
            intake.start("intake")
            while not intake.intake_ready():
                time.sleep(0.2)
            key = create_key(store.uri, config.store_database, org_id="pso", role=Role.PSO_ADMIN)
            pids = {
                "intake": intake.pids()["intake"],
                "kafka": int((work / "kafka" / "kafka.pid").read_text()),
                "ferretdb": int((work / "ferretdb" / "ferretdb.pid").read_text()),
            }
            results = _measure(Loadgen(config.intake_url, key), pids, count, rate, senders, batch_senders)
        finally:
            intake.stop_all()
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        **results,
    }


class Loadgen:
    """The Go load generator, pointed at one intake with one key."""

    def __init__(self, base_url: str, key: str) -> None:
        cache = Path(os.environ.get("PSO_CACHE_DIR", Path.home() / ".cache" / "pso-pipeline")) / "bench"
        self._binary = build_loadgen(cache)
        self._base_url = base_url
        self._headers = {"Authorization": f"Bearer {key}"}

    def post(self, path: str, bodies: list[Any], **options: Any) -> dict[str, Any]:
        lines = [json.dumps(body) for body in bodies]
        result: dict[str, Any] = run_loadgen(
            self._binary, url=self._base_url + path, headers=self._headers, bodies=lines, **options
        )
        return result


def _measure(
    load: Loadgen, pids: dict[str, int], count: int, rate: float, senders: list[int], batch_senders: list[int]
) -> dict[str, Any]:
    # Every run sends reports never seen before (a seed of its own): resends would cost less.
    single: dict[str, Any] = {}
    for seed, clients in enumerate(senders, start=100):
        reports = [synthetic_report(i, seed=seed) for i in range(count)]
        single[f"{clients}_clients"] = measured(
            pids, "ok_per_s", count, partial(load.post, "/v1/events", reports, mode="closed", concurrency=clients)
        )
    batch: dict[str, Any] = {}
    for seed, clients in enumerate(batch_senders, start=200):
        reports = [synthetic_report(i, seed=seed) for i in range(count * 10)]
        chunks = [reports[i : i + BATCH] for i in range(0, len(reports), BATCH)]
        batch[f"{clients}_clients"] = measured(
            pids,
            "summed_per_s",
            len(reports),
            partial(load.post, "/v1/events:batch", chunks, mode="closed", concurrency=clients, sum_field="accepted"),
        )
    at_rate = [synthetic_report(i, seed=3) for i in range(count)]
    return {
        "best_single_per_s": max(r["reports_per_s"] for r in single.values()),
        "best_batch_per_s": max(r["reports_per_s"] for r in batch.values()),
        "single_closed_loop": single,
        "batch_closed_loop": batch,
        "single_fixed_rate": measured(
            pids, "ok_per_s", count, lambda: load.post("/v1/events", at_rate, mode="rate", rate=rate)
        ),
    }


def _counts(text: str) -> list[int]:
    return [int(n) for n in text.split(",")]


def main() -> None:
    # A SIGTERM (``timeout``, a CI runner) must still stop the broker, store and services it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description="Intake benchmark")
    parser.add_argument("--count", type=int, default=3000, help="reports per measurement")
    parser.add_argument("--rate", type=float, default=200.0, help="arrival rate of the fixed-rate measurement")
    parser.add_argument("--senders", type=_counts, default="32,64,128", help="clients of the single closed-loop runs")
    parser.add_argument("--batch-senders", type=_counts, default="2,4,8", help="clients of the batch closed-loop runs")
    args = parser.parse_args()
    print(json.dumps(run(args.count, args.rate, args.senders, args.batch_senders), indent=2))


if __name__ == "__main__":
    main()
