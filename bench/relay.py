"""Relay benchmark: the transport's own limit on this machine, the yardstick for ``bench/e2e.py``.

The pipeline's four topic hops (raw -> deidentified -> classified -> alerts) with plain aiokafka
consumers and producers that do no work: each relay hop is a process of its own (as each stage is a
service) that takes a message, produces one of the next topic's real size with the pipeline's
producer (``create_producer``: acks=all, idempotent) and awaits its ack, then commits. A source in
this process plays intake and a sink here plays the webhook receiver: end-to-end latency is from
the source's send to the sink's receipt (a monotonic timestamp in the payload; CLOCK_MONOTONIC is
one clock for every process of the machine). Starts its own broker (and store, to seal sample
reports and measure the real message sizes). Prints JSON.

    .venv/bin/python bench/relay.py --mode both --count 2000
    .venv/bin/python bench/relay.py --mode both --duration 60 --count 1000000

Modes, the two disciplines that bound a stage: ``one-at-a-time`` awaits each produce before taking
the next message, as our faust agents (``concurrency=1``) do; ``batched`` takes all ``getmany``
returns, produces them all, awaits every ack and commits once.

Load: ``--rate 0`` (the default) is a closed loop that keeps ``--in-flight`` messages between the
source and the sink, enough for either mode to reach its limit: its throughput is the limit, its
latency is mostly queueing (in flight / throughput). For latency below the limit, give a ``--rate``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import signal
import statistics
import struct
import sys
import time
import uuid
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from typing import Any

from aiokafka import AIOKafkaConsumer

from message_sizes import measure_sizes
from pso_shared.kafka import create_producer, ensure_topics, send_durably
from pso_shared.settings import KafkaSettings
from pso_shared.topics import Topic
from timing import cpu_seconds, percentile, rss_mb, where

MODES = ("one-at-a-time", "batched")
HOPS = ("deidentify", "classify", "notify")
"""Named after the stage each relay stands for: hop i reads topic i and writes topic i + 1."""
TOPICS = ("raw", "deidentified", "classified", "alerts")
STAMP = struct.Struct("!QQ")
"""What every payload starts with: the message's sequence number and its send time (monotonic ns)."""
PAD = bytes(range(256)) * 64
SEND_TIMEOUT_S = 30.0


@dataclass(frozen=True, kw_only=True)
class HopSpec:
    """What one relay process needs (picklable: it crosses to a spawned interpreter)."""

    bootstrap_servers: str
    group: str
    source: str
    target: str
    sizes: list[int]
    """Byte sizes of the target topic's messages, used in turn by sequence number."""
    mode: str
    commit_every: int


def payload(seq: int, sent_ns: int, sizes: list[int]) -> bytes:
    """A message of the size ``sizes`` gives ``seq``, stamped with its sequence number and send time."""
    return STAMP.pack(seq, sent_ns) + PAD[: sizes[seq % len(sizes)] - STAMP.size]


def relayed(value: bytes, sizes: list[int]) -> bytes:
    """The next topic's message for ``value``: the same stamp, that topic's size."""
    seq, sent_ns = STAMP.unpack_from(value)
    return payload(seq, sent_ns, sizes)


# --- the relay hops: one process each ------------------------------------------------------------


def hop_process(spec: HopSpec, ready: Event, stop: Event) -> None:
    """A spawned process's entry point: relay until ``stop`` is set."""
    asyncio.run(_hop(spec, ready, stop))


async def _hop(spec: HopSpec, ready: Event, stop: Event) -> None:
    settings = KafkaSettings(kafka_bootstrap_servers=spec.bootstrap_servers)
    producer = create_producer(settings, client_id=spec.group)
    consumer = AIOKafkaConsumer(
        spec.source,
        bootstrap_servers=spec.bootstrap_servers,
        group_id=spec.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await producer.start()
    await consumer.start()
    try:
        relay = _relay_one_at_a_time if spec.mode == "one-at-a-time" else _relay_batched
        work = asyncio.create_task(relay(consumer, producer, spec))
        # Polled rather than awaited: both events are multiprocessing primitives, which block.
        while not stop.is_set() and not work.done():
            if consumer.assignment():
                ready.set()
            await asyncio.sleep(0.05)
        work.cancel()
        await asyncio.gather(work, return_exceptions=True)
        error = None if work.cancelled() else work.exception()
        if error is not None:
            raise error
    finally:
        await consumer.stop()
        await producer.stop()


async def _relay_one_at_a_time(consumer: AIOKafkaConsumer, producer: Any, spec: HopSpec) -> None:
    relayed_count = 0
    while True:
        record = await consumer.getone()
        await send_durably(
            producer, spec.target, key=record.key, value=relayed(record.value, spec.sizes), timeout_s=SEND_TIMEOUT_S
        )
        relayed_count += 1
        if relayed_count % spec.commit_every == 0:
            await consumer.commit()


async def _relay_batched(consumer: AIOKafkaConsumer, producer: Any, spec: HopSpec) -> None:
    while True:
        batches = await consumer.getmany(timeout_ms=500)
        records = [record for partition in batches.values() for record in partition]
        if not records:
            continue
        acks = [
            await producer.send(spec.target, key=record.key, value=relayed(record.value, spec.sizes))
            for record in records
        ]
        async with asyncio.timeout(SEND_TIMEOUT_S):
            await asyncio.gather(*acks)
        await consumer.commit()


# --- the source and the sink, in this process ----------------------------------------------------


@dataclass(kw_only=True)
class Drive:
    """One run's load: ``rate`` per second open loop, or (``rate`` 0) a closed loop of ``in_flight``."""

    bootstrap_servers: str
    raw_topic: str
    alerts_topic: str
    raw_sizes: list[int]
    count: int
    duration_s: float
    rate: float
    in_flight: int
    drain_timeout_s: float


@dataclass
class Sent:
    """The source's tally, once every message it sent is acknowledged."""

    count: int
    seconds: float


@dataclass
class Received:
    """What the sink saw: per message, the time from send to receipt; receipts in monotonic ns."""

    latencies_ms: dict[int, float] = field(default_factory=dict)
    first_ns: int = 0
    last_ns: int = 0
    duplicates: int = 0
    sent: Sent | None = None


async def drive(load: Drive) -> Received:
    """Send the load through the relay and collect it at the end, or until the drain timeout."""
    window = asyncio.Semaphore(load.in_flight)
    received = Received()
    sink = AIOKafkaConsumer(
        load.alerts_topic, bootstrap_servers=load.bootstrap_servers, group_id=None, auto_offset_reset="earliest"
    )
    producer = create_producer(KafkaSettings(kafka_bootstrap_servers=load.bootstrap_servers), client_id="relay-source")
    await sink.start()
    await producer.start()
    try:
        source = asyncio.create_task(_source(producer, load, window))
        await _sink(sink, source, received, window, drain_timeout_s=load.drain_timeout_s)
        received.sent = await source
    finally:
        await producer.stop()
        await sink.stop()
    return received


async def _source(producer: Any, load: Drive, window: asyncio.Semaphore) -> Sent:
    """Produce until ``count`` or ``duration_s``, then await every ack."""
    start = time.monotonic()
    acks = []
    for seq in range(load.count):
        if load.duration_s and time.monotonic() - start > load.duration_s:
            break
        if load.rate:
            await asyncio.sleep(max(0.0, start + seq / load.rate - time.monotonic()))
        else:
            await window.acquire()
        value = payload(seq, time.monotonic_ns(), load.raw_sizes)
        acks.append(await producer.send(load.raw_topic, key=str(uuid.uuid4()).encode(), value=value))
    async with asyncio.timeout(SEND_TIMEOUT_S):
        await asyncio.gather(*acks)
    return Sent(count=len(acks), seconds=time.monotonic() - start)


async def _sink(
    sink: AIOKafkaConsumer,
    source: asyncio.Task[Sent],
    received: Received,
    window: asyncio.Semaphore,
    *,
    drain_timeout_s: float,
) -> None:
    """Receive until every sent message is in, or ``drain_timeout_s`` after the source finished (or
    failed)."""
    seen = received.latencies_ms
    deadline: float | None = None
    while deadline is None or time.monotonic() < deadline:
        if source.done():
            if source.exception() is not None or len(seen) >= source.result().count:
                return
            deadline = deadline or time.monotonic() + drain_timeout_s
        batches = await sink.getmany(timeout_ms=100)
        now = time.monotonic_ns()
        for record in (r for partition in batches.values() for r in partition):
            seq, sent_ns = STAMP.unpack_from(record.value)
            if seq in seen:
                received.duplicates += 1
                continue
            seen[seq] = (now - sent_ns) / 1e6
            window.release()
            received.first_ns, received.last_ns = received.first_ns or now, now


# --- one run per mode ----------------------------------------------------------------------------


def run_mode(
    kafka_pid: int, bootstrap: str, sizes: dict[str, list[int]], mode: str, args: argparse.Namespace
) -> dict[str, Any]:
    """Fresh topics and relay processes for ``mode``, the load through them, and the figures."""
    settings = KafkaSettings(kafka_bootstrap_servers=bootstrap, kafka_topic_prefix=f"relay-{uuid.uuid4().hex[:8]}.")
    topics = [settings.topics.name(t) for t in (Topic.RAW, Topic.DEIDENTIFIED, Topic.CLASSIFIED, Topic.ALERTS)]
    # The pipeline's own names, partition count and retention settings, under a prefix of this run's.
    asyncio.run(ensure_topics(settings, topics, configs=settings.topic_configs))
    context = multiprocessing.get_context("spawn")  # a fresh interpreter per hop, as a service has
    stop = context.Event()
    hops: dict[str, tuple[BaseProcess, Event]] = {}
    for index, name in enumerate(HOPS):
        spec = HopSpec(
            bootstrap_servers=bootstrap,
            group=f"{settings.kafka_topic_prefix}{name}",
            source=topics[index],
            target=topics[index + 1],
            sizes=sizes[TOPICS[index + 1]],
            mode=mode,
            commit_every=args.commit_every,
        )
        ready = context.Event()
        hops[name] = (context.Process(target=hop_process, args=(spec, ready, stop), name=name, daemon=True), ready)
        hops[name][0].start()
    try:
        _wait_ready(hops, timeout_s=60.0)
        load = Drive(
            bootstrap_servers=bootstrap,
            raw_topic=topics[0],
            alerts_topic=topics[-1],
            raw_sizes=sizes["raw"],
            count=args.count,
            duration_s=args.duration,
            rate=args.rate,
            in_flight=args.in_flight,
            drain_timeout_s=args.drain_timeout,
        )
        pids = {name: process.pid for name, (process, _) in hops.items() if process.pid is not None}
        received, usage = _measured(load, pids | {"kafka": kafka_pid})
        _raise_if_exited(hops)
    finally:
        _stop(hops, stop)
    return _figures(mode, args, received) | usage


def _measured(load: Drive, pids: dict[str, int]) -> tuple[Received, dict[str, Any]]:
    """``load`` driven through, with the CPU time per message of each process and the hops' memory."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    before_self = time.process_time()
    load_before = os.getloadavg()[0]
    received = asyncio.run(drive(load))
    cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    cpu["source_and_sink"] = time.process_time() - before_self
    count = len(received.latencies_ms)
    return received, {
        "cpu_ms_per_message": {name: round(s * 1000 / count, 3) if count else None for name, s in cpu.items()},
        "rss_mb_at_end": {name: rss_mb(pid) for name, pid in pids.items() if name != "kafka"},
        # Other work on the machine shows in every figure: the load average says how much there was.
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def _wait_ready(hops: dict[str, tuple[BaseProcess, Event]], *, timeout_s: float) -> None:
    """Wait until every hop's consumer has its partitions: a joining group would count as latency."""
    deadline = time.monotonic() + timeout_s
    for name, (_, ready) in hops.items():
        while not ready.wait(0.2):
            _raise_if_exited(hops)
            if time.monotonic() > deadline:
                msg = f"relay hop {name} got no partitions within {timeout_s:.0f} s"
                raise TimeoutError(msg)


def _raise_if_exited(hops: dict[str, tuple[BaseProcess, Event]]) -> None:
    for name, (process, _) in hops.items():
        if process.exitcode is not None:
            msg = f"relay hop {name} exited with code {process.exitcode}"
            raise RuntimeError(msg)


def _stop(hops: dict[str, tuple[BaseProcess, Event]], stop: Event) -> None:
    stop.set()
    for process, _ in hops.values():
        process.join(timeout=15)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)


def _figures(mode: str, args: argparse.Namespace, received: Received) -> dict[str, Any]:
    latencies = list(received.latencies_ms.values())
    count = len(latencies)
    seconds = (received.last_ns - received.first_ns) / 1e9
    sent = received.sent or Sent(count=0, seconds=0.0)
    return {
        "mode": mode,
        "commit_every": args.commit_every if mode == "one-at-a-time" else "each getmany",
        "load": f"open loop at {args.rate}/s" if args.rate else f"closed loop, {args.in_flight} in flight",
        "sent": sent.count,
        "sent_per_s": round(sent.count / sent.seconds, 1) if sent.seconds else 0.0,
        "messages": count,
        "lost": sent.count - count,
        "duplicates": received.duplicates,
        "seconds": round(seconds, 2),
        "events_per_s": round((count - 1) / seconds, 1) if count > 1 and seconds > 0 else 0.0,
        "latency_ms": {
            "p50": round(percentile(latencies, 50), 2),
            "p95": round(percentile(latencies, 95), 2),
            "p99": round(percentile(latencies, 99), 2),
            "mean": round(statistics.fmean(latencies), 2),
        }
        if latencies
        else None,
    }


# --- message sizes ---------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    # Imported here, not at the top: each spawned hop imports this module, and should carry only
    # what a stage carries.
    from local_infra import local_infrastructure

    with local_infrastructure("pso-bench-relay-") as (work, kafka, store):
        sizes = asyncio.run(measure_sizes(store.uri, list(TOPICS)))
        kafka_pid = int((work / "kafka" / "kafka.pid").read_text())
        modes = MODES if args.mode == "both" else (args.mode,)
        runs = {mode: run_mode(kafka_pid, kafka.bootstrap_servers, sizes, mode, args) for mode in modes}
    return {
        **where(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "partitions": KafkaSettings().kafka_partitions,
        "message_bytes": {
            name: {"mean": round(statistics.fmean(s)), "min": min(s), "max": max(s)} for name, s in sizes.items()
        },
        "runs": runs,
    }


def main() -> None:
    # A SIGTERM (``timeout``, a CI runner) must still stop the broker and store it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mode", choices=[*MODES, "both"], default="both")
    parser.add_argument("--count", type=int, default=2000, help="messages to send (at most)")
    parser.add_argument(
        "--duration", type=float, default=0.0, help="stop sending after this many seconds (0: no limit)"
    )
    parser.add_argument("--rate", type=float, default=0.0, help="open-loop rate per second; 0: closed loop")
    parser.add_argument("--in-flight", type=int, default=1024, help="closed loop: messages sent but not yet received")
    parser.add_argument("--commit-every", type=int, default=1, help="one-at-a-time: commit after this many messages")
    parser.add_argument("--drain-timeout", type=float, default=60.0, help="seconds to wait for the last message")
    args = parser.parse_args()
    if args.commit_every < 1 or args.in_flight < 1:
        parser.error("--commit-every and --in-flight must be at least 1")
    print(json.dumps(run(args), indent=2))


if __name__ == "__main__":
    main()
