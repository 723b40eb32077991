"""End-to-end benchmark: reports at a fixed arrival rate through intake, latency to webhook receipt.

Starts its own Kafka broker, FerretDB and the four services (on free ports, in a temporary
directory), sends reports at ``--rate`` per second (open loop: the schedule does not wait for
answers), and measures for every report the time from intake's 202 to the alert arriving at a local
webhook receiver. Every report has severe harm so every one raises an alert. A warm-up comes first
(``--warmup``, 5 s at the rate, at most 50/s, every alert arrived) and is left out of the figures, CPU
included. Prints JSON.

    .venv/bin/python bench/e2e.py --rate 50 --count 1500
    .venv/bin/python bench/e2e.py --rate 500 --duration 60 --drain-timeout 30

With ``--duration`` the run is a window: sending stops at its end even when the load generator is
behind (the reports it could not send are counted as not sent), and after the drain timeout what has
not arrived is the backlog. Latency percentiles are over the delivered reports only; the output says
how many were left out. The suite (``bench/suite.py``) calls ``run_scenario``, one pipeline per call,
so that one scenario's backlog never slows the next.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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
from rss import RssSampler
from timing import cpu_seconds, percentile, rss_mb, where
from verdicts import kept_up, rate_in_window

SCHEDULE_DELAY_S = 0.5
"""The first report is scheduled this long after the senders start, so they all start on time."""
WARMUP_MAX_RATE = 50.0
"""The warm-up's rate at most: what the pipeline carries on this machine, so that it ends drained."""
WARMUP_DRAIN_S = 60.0
WARMUP_SEED = 12
"""Not the measured reports' seed (11): the warm-up's reports are other reports, not early copies."""


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """One fixed-rate run: ``count`` reports, or ``rate`` x ``duration_s`` within a window of that length."""

    rate: float
    duration_s: float | None = None
    count: int | None = None
    drain_timeout_s: float = 30.0
    """How long after the last send to wait for alerts still on their way."""
    steady_from_s: float | None = None
    """When set, also report the delivered throughput from this second of the send window to its end."""
    rss_every_s: float | None = None
    """When set, sample every process's resident memory this often, as time series."""
    senders: int = 64
    warmup_s: float = 5.0
    """Before the measured run, reports at the scenario's rate (at most ``WARMUP_MAX_RATE``) for this
    long, every one delivered before the run starts, and left out of its figures. A cold pipeline (the
    broker's JIT, first connections, the consumer groups' first fetches) takes a second or two to reach
    its pace: measured, that start alone made the p99 of a one-minute run. 0: no warm-up."""

    @property
    def offered(self) -> int:
        if self.count is not None:
            return self.count
        return round(self.rate * (self.duration_s or 0.0))


@dataclass
class Sending:
    """What the load generator did: each accepted event's accept time (monotonic), and the window."""

    start: float
    end: float = 0.0
    sent: int = 0
    accepted: dict[str, float] = field(default_factory=dict)
    refused: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True, kw_only=True)
class RunningPipeline:
    """A started pipeline with a webhook subscription to its receiver, and every process to watch."""

    intake_url: str
    key: str
    receiver: WebhookReceiver
    processes: PipelineProcesses
    pids: dict[str, int]
    """The services' processes, Kafka's and FerretDB's."""


async def send_all(
    url: str, key: str, reports: list[dict[str, Any]], rate: float, *, senders: int = 64, window_s: float | None = None
) -> Sending:
    """POST every report at its scheduled time from a pool of senders; record each event's accept time.

    A fixed pool rather than a task per report: thousands of requests queued on one HTTP client's
    connection pool make the load generator, not the pipeline, the bottleneck. With ``window_s``, no
    request starts after the window's end: when intake answers too slowly for the rate, the run still
    ends on time and the reports left are not sent.
    """
    sending = Sending(start=time.monotonic() + SCHEDULE_DELAY_S)
    schedule = iter(enumerate(reports))
    stop_at = None if window_s is None else sending.start + window_s
    limits = httpx.Limits(max_connections=senders, max_keepalive_connections=senders)
    headers = {"authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits, headers=headers) as client:

        async def sender() -> None:
            for index, report in schedule:
                await asyncio.sleep(max(0.0, sending.start + index / rate - time.monotonic()))
                if stop_at is not None and time.monotonic() > stop_at:
                    return
                sending.sent += 1
                try:
                    response = await client.post("/v1/events", json=report)
                except httpx.HTTPError as exc:
                    sending.refused[type(exc).__name__] += 1
                    continue
                if response.status_code == 202:
                    sending.accepted[response.json()["event_id"]] = time.monotonic()
                else:
                    sending.refused[f"HTTP {response.status_code}"] += 1

        await asyncio.gather(*(sender() for _ in range(senders)))
    sending.end = time.monotonic()
    return sending


@contextmanager
def running_pipeline() -> Iterator[RunningPipeline]:
    """A broker, a store, the services and a receiver subscribed to every immediate alert; all stopped after."""
    with local_infrastructure("pso-bench-") as (work, kafka, store):
        receiver = WebhookReceiver(secret_for={}).start()
        processes = PipelineProcesses(
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
            processes.start_all()
            key = create_key(store.uri, processes.config.store_database, org_id="pso", role=Role.PSO_ADMIN)
            # Immediate alerts only: one per report, so each arrival is that report's (signals would be extra).
            answer = subscribe(
                processes.config.notify_api_url,
                key,
                name="bench",
                channels=[{"type": "webhook", "url": receiver.url}],
                filter_={"kinds": ["immediate"]},
            )
            receiver.set_secret("/alerts", str(answer["signing_secret"]))
            pids = processes.pids() | {
                "kafka": int((work / "kafka" / "kafka.pid").read_text()),
                "ferretdb": int((work / "ferretdb" / "ferretdb.pid").read_text()),
            }
            yield RunningPipeline(
                intake_url=processes.config.intake_url, key=key, receiver=receiver, processes=processes, pids=pids
            )
        finally:
            processes.stop_all()
            receiver.stop()


def first_arrivals(receiver: WebhookReceiver) -> tuple[dict[str, float], int]:
    """Each event's first alert arrival (monotonic), and how many arrivals repeated an event's."""
    count = len(receiver.received)  # arrived_at is appended first, so it is at least as long
    arrivals: dict[str, float] = {}
    for alert, at in zip(receiver.received[:count], receiver.arrived_at[:count], strict=True):
        arrivals.setdefault(str(alert["data"]["event_id"]), at)
    return arrivals, count - len(arrivals)


def drain(receiver: WebhookReceiver, accepted: dict[str, float], deadline: float, *, already: int = 0) -> None:
    """Wait until every accepted event's alert has arrived, or ``deadline`` (monotonic).

    ``already``: alerts the receiver had before these events were sent (a warm-up's)."""
    receiver.wait_for(already + len(accepted), timeout=max(0.0, deadline - time.monotonic()))
    # A duplicate delivery makes the count reach the total early: then wait for the missing ones.
    while time.monotonic() < deadline and not accepted.keys() <= first_arrivals(receiver)[0].keys():
        receiver.wait_for(len(receiver.received) + 1, timeout=min(1.0, max(0.0, deadline - time.monotonic())))


def warm_up(pipeline: RunningPipeline, scenario: Scenario) -> dict[str, Any]:
    """Run the scenario's warm-up and wait for its alerts; what it sent and what arrived."""
    rate = min(scenario.rate, WARMUP_MAX_RATE)
    count = round(rate * scenario.warmup_s)
    if count == 0:
        return {"seconds": 0.0, "reports": 0}
    reports = [synthetic_report(i, seed=WARMUP_SEED, severe_every=1) for i in range(count)]
    sending = asyncio.run(send_all(pipeline.intake_url, pipeline.key, reports, rate, senders=scenario.senders))
    drain(pipeline.receiver, sending.accepted, sending.end + WARMUP_DRAIN_S)
    arrivals = first_arrivals(pipeline.receiver)[0]
    latencies = [(arrivals[e] - t) * 1000 for e, t in sending.accepted.items() if e in arrivals]
    return {
        "seconds": scenario.warmup_s,
        "rate_per_s": rate,
        "reports": count,
        "accepted": len(sending.accepted),
        "delivered": len(latencies),
        # Shown, not judged: how slow the cold start was.
        "latency_ms_accept_to_webhook": _latency(latencies, len(sending.accepted) - len(latencies)),
    }


def run_scenario(scenario: Scenario) -> dict[str, Any]:
    """One fixed-rate run on a pipeline of its own, after its warm-up; the figures as a JSON-ready dict."""
    reports = [synthetic_report(i, seed=11, severe_every=1) for i in range(scenario.offered)]
    with running_pipeline() as pipeline:
        warmup = warm_up(pipeline, scenario)
        already = len(pipeline.receiver.received)
        cpu_before = {name: cpu_seconds(pid) for name, pid in pipeline.pids.items()}
        cpu_self, load_before = time.process_time(), os.getloadavg()[0]
        sampler = RssSampler(pipeline.pids, scenario.rss_every_s) if scenario.rss_every_s else None
        if sampler is not None:
            sampler.start(origin=time.monotonic() + SCHEDULE_DELAY_S)
        try:
            sending = asyncio.run(
                send_all(
                    pipeline.intake_url,
                    pipeline.key,
                    reports,
                    scenario.rate,
                    senders=scenario.senders,
                    window_s=scenario.duration_s,
                )
            )
            drain(pipeline.receiver, sending.accepted, sending.end + scenario.drain_timeout_s, already=already)
        finally:
            series = sampler.stop() if sampler is not None else None
        drained_at = time.monotonic()
        pipeline.processes.raise_if_exited()
        cpu_ms = {name: (cpu_seconds(pid) - cpu_before[name]) * 1000 for name, pid in pipeline.pids.items()}
        cpu_ms["load_generator_and_receiver"] = (time.process_time() - cpu_self) * 1000
        memory = {name: rss_mb(pid) for name, pid in pipeline.pids.items()}
        arrivals, duplicates = first_arrivals(pipeline.receiver)
    figures = _figures(scenario, sending, arrivals, drained_at)
    return {
        "warmup": warmup,
        **figures,
        "duplicates": duplicates,
        "rss_mb_at_end": memory,
        # Where the CPU goes: each process's CPU time over the run, per event accepted (the machine's
        # cores are shared by all of them, the load generator and the receiver).
        "cpu_ms_per_event": {name: round(ms / max(1, len(sending.accepted)), 2) for name, ms in cpu_ms.items()},
        # Other work on the machine shows in every figure: the load average says how much there was.
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        **({"rss_mb_series": series} if series is not None else {}),
    }


def _figures(scenario: Scenario, sending: Sending, arrivals: dict[str, float], drained_at: float) -> dict[str, Any]:
    accepted = sending.accepted
    latencies = [(arrivals[e] - t) * 1000 for e, t in accepted.items() if e in arrivals]
    times = [arrivals[e] for e in accepted if e in arrivals]
    last = max(times, default=sending.start)
    verdict = kept_up(offered=scenario.offered, accepted=len(accepted), delivered=len(latencies))
    figures: dict[str, Any] = {
        "offered_rate_per_s": scenario.rate,
        "send_window_s": scenario.duration_s,
        "offered": scenario.offered,
        "sent": sending.sent,
        "not_sent_on_time": scenario.offered - sending.sent,
        "accepted": len(accepted),
        "refused": dict(sending.refused),
        "accept_rate_per_s": round(len(accepted) / (sending.end - sending.start), 1) if accepted else 0.0,
        "delivered": len(latencies),
        "not_delivered": len(accepted) - len(latencies),
        "drain_timeout_s": scenario.drain_timeout_s,
        "drain_used_s": round(drained_at - sending.end, 1),
        "throughput_events_per_s": round(len(latencies) / (last - sending.start), 1) if latencies else 0.0,
        "kept_up": verdict.kept_up,
        "kept_up_reason": verdict.reason,
        "latency_ms_accept_to_webhook": _latency(latencies, len(accepted) - len(latencies)),
    }
    if scenario.steady_from_s is not None:
        # The window's end, not the last answer's: past it no load is offered and only the backlog drains.
        window = scenario.duration_s if scenario.duration_s is not None else sending.end - sending.start
        steady_start, steady_end = sending.start + scenario.steady_from_s, sending.start + window
        figures["steady_window_s"] = [round(scenario.steady_from_s, 1), round(window, 1)]
        figures["steady_throughput_events_per_s"] = round(rate_in_window(times, steady_start, steady_end), 1)
    return figures


def _latency(latencies: list[float], excluded: int) -> dict[str, Any] | None:
    if not latencies:
        return None
    return {
        "p50": round(percentile(latencies, 50), 1),
        "p95": round(percentile(latencies, 95), 1),
        "p99": round(percentile(latencies, 99), 1),
        "max": round(max(latencies), 1),
        "mean": round(statistics.fmean(latencies), 1),
        "over": "delivered reports only",
        "excluded_not_delivered": excluded,
    }


def main() -> None:
    # A SIGTERM (``timeout``, a CI runner) must still stop the broker, store and services it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rate", type=float, default=50.0, help="arrival rate, reports per second")
    parser.add_argument("--count", type=int, default=1000, help="reports to send (ignored with --duration)")
    parser.add_argument("--duration", type=float, default=None, help="send for this many seconds: rate x duration")
    parser.add_argument("--drain-timeout", type=float, default=300.0, help="seconds to wait for the last alert")
    parser.add_argument("--rss-every", type=float, default=None, help="sample every process's memory this often")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of warm-up before the measured run")
    args = parser.parse_args()
    if args.rate <= 0:
        parser.error("--rate must be positive")
    scenario = Scenario(
        rate=args.rate,
        duration_s=args.duration,
        count=None if args.duration else args.count,
        drain_timeout_s=args.drain_timeout,
        rss_every_s=args.rss_every,
        warmup_s=args.warmup,
    )
    print(json.dumps(where() | run_scenario(scenario), indent=2))


if __name__ == "__main__":
    main()
