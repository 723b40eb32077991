"""Intake benchmark: accepted reports per second through one intake worker (acks=all, sealing,
idempotency and authentication included), for the single and the batch endpoint, and latency at a
fixed arrival rate. Starts its own Kafka broker, FerretDB and intake. Prints JSON.

    .venv/bin/python bench/intake.py --count 3000 --rate 200
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from pso_deploy.ferretdb import FerretDBConfig, FerretDBServer
from pso_deploy.kafka import KafkaBroker, KafkaConfig
from pso_deploy.keys import create_key
from pso_deploy.paths import free_port
from pso_deploy.pipeline import PipelineConfig, PipelineProcesses
from pso_deploy.synthetic import synthetic_report
from pso_shared.apikeys import Role

BATCH = 500


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))], 1) if ordered else 0.0


async def closed_loop(client: httpx.AsyncClient, reports: list[dict[str, Any]], senders: int) -> dict[str, Any]:
    """As fast as ``senders`` concurrent clients can go: the throughput ceiling."""
    queue = iter(reports)
    statuses: dict[int, int] = {}

    async def sender() -> None:
        for report in queue:
            status = (await client.post("/v1/events", json=report)).status_code
            statuses[status] = statuses.get(status, 0) + 1

    start = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(senders)))
    elapsed = time.perf_counter() - start
    return {"reports": len(reports), "statuses": statuses, "reports_per_s": round(statuses.get(202, 0) / elapsed, 1)}


async def batches(client: httpx.AsyncClient, reports: list[dict[str, Any]], senders: int) -> dict[str, Any]:
    chunks = iter([reports[i : i + BATCH] for i in range(0, len(reports), BATCH)])
    accepted = 0

    async def sender() -> None:
        nonlocal accepted
        for chunk in chunks:
            response = await client.post("/v1/events:batch", json=chunk)
            accepted += response.json()["accepted"] if response.status_code == 200 else 0

    start = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(senders)))
    elapsed = time.perf_counter() - start
    return {"reports": len(reports), "accepted": accepted, "reports_per_s": round(accepted / elapsed, 1)}


async def fixed_rate(client: httpx.AsyncClient, reports: list[dict[str, Any]], rate: float) -> dict[str, Any]:
    """Open loop at ``rate``: each request's latency from its scheduled send to its answer."""
    latencies: list[float] = []
    start = time.monotonic() + 0.2

    async def one(index: int, report: dict[str, Any]) -> None:
        at = start + index / rate
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        response = await client.post("/v1/events", json=report)
        if response.status_code == 202:
            latencies.append((time.monotonic() - at) * 1000)

    await asyncio.gather(*(one(i, r) for i, r in enumerate(reports)))
    return {
        "rate_per_s": rate,
        "reports": len(reports),
        "accepted": len(latencies),
        "latency_ms": {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99)},
    }


def run(count: int, rate: float, senders: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pso-bench-intake-") as tmp:
        work = Path(tmp)
        kafka = KafkaBroker(KafkaConfig(workdir=work / "kafka", port=free_port(), controller_port=free_port()))
        store = FerretDBServer(FerretDBConfig(workdir=work / "ferretdb", port=free_port()))
        kafka.start()
        store.start()
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
            results = asyncio.run(_measure(config.intake_url, key, count, rate, senders))
        finally:
            intake.stop_all()
            store.stop()
            kafka.stop()
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        **results,
    }


async def _measure(url: str, key: str, count: int, rate: float, senders: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=senders, max_keepalive_connections=senders)
    headers = {"authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits, headers=headers) as client:
        return {
            "single_closed_loop": await closed_loop(
                client, [synthetic_report(i, seed=1) for i in range(count)], senders
            ),
            "batch_closed_loop": await batches(client, [synthetic_report(i, seed=2) for i in range(count * 4)], 4),
            "single_fixed_rate": await fixed_rate(client, [synthetic_report(i, seed=3) for i in range(count)], rate),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description="Intake benchmark")
    parser.add_argument("--count", type=int, default=3000, help="reports per measurement")
    parser.add_argument("--rate", type=float, default=200.0, help="arrival rate of the fixed-rate measurement")
    parser.add_argument("--senders", type=int, default=32, help="concurrent clients of the closed-loop runs")
    args = parser.parse_args()
    print(json.dumps(run(args.count, args.rate, args.senders), indent=2))


if __name__ == "__main__":
    main()
