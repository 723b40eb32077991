"""End-to-end benchmark: reports at a fixed arrival rate through intake, latency to webhook receipt.

Starts its own Kafka broker, FerretDB and the four services (on free ports, in a temporary
directory), sends ``--count`` reports at ``--rate`` per second (open loop: the schedule does not wait
for answers), and measures for every report the time from intake's 202 to the alert arriving at a
local webhook receiver. Every report has severe harm so every one raises an alert. Prints JSON.

    .venv/bin/python bench/e2e.py --rate 50 --count 1500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx

from local_infra import local_infrastructure
from pso_deploy.keys import create_key
from pso_deploy.paths import free_port
from pso_deploy.pipeline import PipelineConfig, PipelineProcesses
from pso_deploy.receiver import WebhookReceiver
from pso_deploy.subscribe import subscribe
from pso_deploy.synthetic import synthetic_report
from pso_shared.apikeys import Role
from timing import cpu_seconds, percentile, rss_mb


async def send_all(
    url: str, key: str, reports: list[dict[str, Any]], rate: float, senders: int = 64
) -> tuple[dict[str, float], Counter[str]]:
    """POST every report at its scheduled time from a pool of senders; return each event's accept time.

    A fixed pool rather than a task per report: thousands of requests queued on one HTTP client's
    connection pool make the load generator, not the pipeline, the bottleneck.
    """
    accepted: dict[str, float] = {}
    refused: Counter[str] = Counter()
    schedule = iter(enumerate(reports))
    start = time.monotonic() + 0.5
    limits = httpx.Limits(max_connections=senders, max_keepalive_connections=senders)
    headers = {"authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits, headers=headers) as client:

        async def sender() -> None:
            for index, report in schedule:
                await asyncio.sleep(max(0.0, start + index / rate - time.monotonic()))
                try:
                    response = await client.post("/v1/events", json=report)
                except httpx.HTTPError as exc:
                    refused[type(exc).__name__] += 1
                    continue
                if response.status_code == 202:
                    accepted[response.json()["event_id"]] = time.monotonic()
                else:
                    refused[f"HTTP {response.status_code}"] += 1

        await asyncio.gather(*(sender() for _ in range(senders)))
    return accepted, refused


def run(rate: float, count: int, drain_timeout: float) -> dict[str, Any]:
    with local_infrastructure("pso-bench-") as (work, kafka, store):
        receiver = WebhookReceiver(secret_for={}).start()
        pipeline = PipelineProcesses(
            PipelineConfig(
                kafka_bootstrap_servers=kafka.bootstrap_servers,
                store_uri=store.uri,
                intake_port=free_port(),
                notify_api_port=free_port(),
                workdir=work / "pipeline",
                extra_env={f"PSO_{s}_LOG_LEVEL": "WARNING" for s in ("INTAKE", "DEIDENTIFY", "CLASSIFY", "NOTIFY")},
            )
        )
        try:
            pipeline.start_all()
            reports = [synthetic_report(i, seed=11, severe_every=1) for i in range(count)]
            began = time.monotonic()
            key = create_key(store.uri, pipeline.config.store_database, org_id="pso", role=Role.PSO_ADMIN)
            # Immediate alerts only: one per report, so each arrival is that report's (signals would be extra).
            answer = subscribe(
                pipeline.config.notify_api_url,
                key,
                name="bench",
                channels=[{"type": "webhook", "url": receiver.url}],
                filter_={"kinds": ["immediate"]},
            )
            receiver.set_secret("/alerts", str(answer["signing_secret"]))
            pids = pipeline.pids() | {
                "kafka": int((work / "kafka" / "kafka.pid").read_text()),
                "ferretdb": int((work / "ferretdb" / "ferretdb.pid").read_text()),
            }
            cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            accepted, refused = asyncio.run(send_all(pipeline.config.intake_url, key, reports, rate))
            receiver.wait_for(len(accepted), timeout=drain_timeout)
            cpu_ms = {name: (cpu_seconds(pid) - cpu_before[name]) * 1000 for name, pid in pids.items()}
            memory = {name: rss_mb(pid) for name, pid in pipeline.pids().items()}
        finally:
            pipeline.stop_all()
            receiver.stop()
    arrivals = dict(zip((a["data"]["event_id"] for a in receiver.received), receiver.arrived_at, strict=True))
    latencies = [(arrivals[e] - t) * 1000 for e, t in accepted.items() if e in arrivals]
    last = max(arrivals.values(), default=began)
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "target_rate_per_s": rate,
        "sent": count,
        "accepted": len(accepted),
        "refused": dict(refused),
        "accept_rate_per_s": round(len(accepted) / (max(accepted.values()) - began), 1) if accepted else 0.0,
        "alerts_delivered": len(latencies),
        "throughput_events_per_s": round(len(latencies) / (last - began), 1) if latencies else 0.0,
        "latency_ms_accept_to_webhook": {
            "p50": round(percentile(latencies, 50), 1),
            "p95": round(percentile(latencies, 95), 1),
            "p99": round(percentile(latencies, 99), 1),
            "mean": round(statistics.fmean(latencies), 1),
        }
        if latencies
        else None,
        "rss_mb_at_end": memory,
        # Where the CPU goes: each process's CPU time over the run, per event accepted (the machine's
        # two cores are shared by all of them, the load generator and the receiver).
        "cpu_ms_per_event": {name: round(ms / max(1, len(accepted)), 2) for name, ms in cpu_ms.items()},
    }


def main() -> None:
    # A SIGTERM (``timeout``, a CI runner) must still stop the broker, store and services it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rate", type=float, default=50.0, help="arrival rate, reports per second")
    parser.add_argument("--count", type=int, default=1000, help="reports to send")
    parser.add_argument("--drain-timeout", type=float, default=300.0, help="seconds to wait for the last alert")
    args = parser.parse_args()
    print(json.dumps(run(args.rate, args.count, args.drain_timeout), indent=2))


if __name__ == "__main__":
    main()
