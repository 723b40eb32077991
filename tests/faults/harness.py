"""The fault tier's instruments: a steady load, a process supervisor, and the reconciliation.

A scenario runs the pipeline, submits reports at a steady rate while something breaks, stops the
load, lets the pipeline drain, and reconciles what intake accepted against what came out:

- every accepted event is in the store with its final revision classified;
- every alert that was due (worked out here by running the stages' own pure functions on each
  accepted report) reached the receiver, at least once and, deduplicated by ``webhook-id``, once;
- no identifier of any report is in what the receiver got or in the stored events;
- the dead-letter topics hold only what the scenario injected on purpose.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from pso_classify.handler import classify_event
from pso_deidentify.policy import SAFE_HARBOR
from pso_deidentify.transform import deidentify_event
from pso_deploy.pipeline import SERVICES, PipelineProcesses
from pso_deploy.receiver import WebhookReceiver
from pso_deploy.synthetic import synthetic_report
from pso_notify.rules import immediate_alert
from pso_notify.rules_config import ImmediateRules, load_rules
from pso_shared.log_range import read_range
from pso_shared.messages.raw import RawEvent
from pso_shared.report import EventReport
from pso_shared.settings import DEVELOPMENT_SECRET, KafkaSettings
from pso_shared.topics import Topic
from pso_shared.types import utc_now
from tests.factories import all_strings, person_names, structured_identifiers

AMEND_EVERY = 10
"""Every tenth report is amended a little later: its event must end at revision 2, in order."""
_RETRY_UNAVAILABLE_S = 1.0
_SENDERS = 32


@cache
def _immediate_rules() -> ImmediateRules:
    return load_rules(None).immediate


def alert_due(report: dict[str, Any]) -> bool:
    """Whether the pipeline must raise an immediate alert for this report: the stages' own functions."""
    source = EventReport.model_validate(report)
    raw = RawEvent(event_id="due", correlation_id="due", received_at=utc_now(), report=source)
    event = classify_event(deidentify_event(raw, policy=SAFE_HARBOR, key=DEVELOPMENT_SECRET.encode()))
    return immediate_alert(event, _immediate_rules(), "check") is not None


@dataclass
class Submission:
    report: dict[str, Any]
    revision: int = 1
    event_id: str | None = None


@dataclass
class LoadGenerator:
    """Submits reports at a steady rate (open loop) like a provider system: a 503 or a refused
    connection is retried after ``Retry-After``, the same report, until intake accepts it."""

    url: str
    key: str
    rate: float
    seed: int = 8
    accepted: dict[str, Submission] = field(default_factory=dict)
    """By report id, the last accepted submission of each report."""
    answers: Counter[str] = field(default_factory=Counter)
    unavailable_with_retry_after: int = 0
    pending: int = 0
    """Submissions not accepted yet (being sent, or waiting to be retried)."""

    def reports(self, count: int) -> list[Submission]:
        return [Submission(synthetic_report(index, seed=self.seed)) for index in range(count)]

    async def run(self, duration_s: float) -> None:
        """Send ``rate`` reports a second for ``duration_s``; return once every one was accepted (a
        refused one is retried until it is: the caller bounds this with a timeout)."""
        count = int(duration_s * self.rate)
        planned = self.reports(count)
        limits = httpx.Limits(max_connections=_SENDERS, max_keepalive_connections=_SENDERS)
        headers = {"authorization": f"Bearer {self.key}"}
        async with httpx.AsyncClient(base_url=self.url, timeout=15, limits=limits, headers=headers) as client:
            start = time.monotonic()
            slots = asyncio.Semaphore(_SENDERS)
            tasks: list[asyncio.Task[None]] = []
            for index, submission in enumerate(planned):
                await asyncio.sleep(max(0.0, start + index / self.rate - time.monotonic()))
                tasks.append(asyncio.create_task(self._send(client, slots, submission)))
                if index % AMEND_EVERY == 0:
                    tasks.append(asyncio.create_task(self._amend_later(client, slots, submission)))
            await asyncio.gather(*tasks)

    async def _amend_later(self, client: httpx.AsyncClient, slots: asyncio.Semaphore, first: Submission) -> None:
        await asyncio.sleep(2.0)
        report = {**first.report, "narrative": first.report["narrative"] + " Addendum: family informed."}
        await self._send(client, slots, Submission(report, revision=2))

    async def _send(self, client: httpx.AsyncClient, slots: asyncio.Semaphore, submission: Submission) -> None:
        self.pending += 1
        try:
            await self._until_accepted(client, slots, submission)
        finally:
            self.pending -= 1

    async def _until_accepted(
        self, client: httpx.AsyncClient, slots: asyncio.Semaphore, submission: Submission
    ) -> None:
        while True:
            async with slots:
                try:
                    response = await client.post("/v1/events", json=submission.report)
                except httpx.HTTPError as exc:
                    self.answers[type(exc).__name__] += 1
                    wait_s = _RETRY_UNAVAILABLE_S
                else:
                    self.answers[str(response.status_code)] += 1
                    if response.status_code in (200, 202):
                        self._accepted(submission, response.json())
                        return
                    if response.status_code not in (429, 503):
                        return  # refused for good: a bug in the scenario, reported by the answers
                    retry_after = response.headers.get("retry-after")
                    self.unavailable_with_retry_after += retry_after is not None
                    wait_s = float(retry_after or _RETRY_UNAVAILABLE_S)
            await asyncio.sleep(wait_s)

    def _accepted(self, submission: Submission, answer: dict[str, Any]) -> None:
        report_id = submission.report["report_id"]
        known = self.accepted.get(report_id)
        if known is None or int(answer["revision"]) >= known.revision:
            self.accepted[report_id] = Submission(submission.report, int(answer["revision"]), answer["event_id"])


class Supervisor:
    """Keeps the pipeline's services up like a process manager: whatever exits is started again."""

    def __init__(self, pipeline: PipelineProcesses, services: tuple[str, ...] = SERVICES) -> None:
        self.pipeline = pipeline
        self.services = services
        self.restarts: Counter[str] = Counter()
        self.kills: Counter[str] = Counter()

    async def run(self) -> None:
        while True:
            for service in self.services:
                if not self.pipeline.is_running(service):
                    self.pipeline.start(service)
                    self.restarts[service] += 1
            await asyncio.sleep(0.5)

    def kill(self, service: str) -> None:
        """``kill -9`` the service's process; the supervisor starts it again."""
        pid = self.pipeline.pids().get(service)
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            self.kills[service] += 1


@dataclass
class ScenarioResult:
    name: str
    accepted: int
    stored: int
    alerts_due: int
    delivered: int
    duplicates: int
    lost: int
    missing_alerts: int
    unexpected_alerts: int
    leaked: int
    dead_letters: int
    unexpected_dead_letters: int
    answers: dict[str, int]
    restarts: dict[str, int]
    seconds: float
    drain_s: float
    """From the end of the load (and the fault) until everything was stored and delivered."""

    def row(self) -> str:
        return (
            f"| {self.name} | {self.accepted} | {self.stored} | {self.alerts_due} | {self.delivered} | "
            f"{self.duplicates} | {self.lost} | {self.missing_alerts} | {self.dead_letters} | {self.drain_s:.0f} s |"
        )


@dataclass
class Checker:
    store_uri: str
    database: str
    kafka: KafkaSettings
    receiver: WebhookReceiver

    async def reconcile(
        self,
        name: str,
        load: LoadGenerator,
        *,
        within_s: float,
        injected: frozenset[bytes] = frozenset(),
        restarts: dict[str, int] | None = None,
        started: float,
    ) -> ScenarioResult:
        """Wait (up to ``within_s``) for the pipeline to drain, then count."""
        due = {f"immediate:{s.event_id}" for s in load.accepted.values() if alert_due(s.report)}
        expected = {str(s.event_id): s.revision for s in load.accepted.values()}
        reconciling = time.monotonic()
        deadline = reconciling + within_s
        while True:
            stored = await self._stored_revisions(list(expected))
            final = {e for e, revision in expected.items() if stored.get(e) == revision}
            delivered = set(self.receiver.alert_ids())
            if (len(final) == len(expected) and due <= delivered) or time.monotonic() > deadline:
                break
            await asyncio.sleep(1.0)
        drained_s = time.monotonic() - reconciling
        dead = [r.value async for r in read_range(self.kafka, self._dead_letter_topics())]
        return ScenarioResult(
            name=name,
            accepted=len(expected),
            stored=len(final),
            alerts_due=len(due),
            delivered=len(due & delivered),
            duplicates=self.receiver.duplicate_ids(),
            lost=len(expected) - len(final),
            missing_alerts=len(due - delivered),
            unexpected_alerts=len(delivered - due),
            leaked=await self._leaks(load),
            dead_letters=len(dead),
            unexpected_dead_letters=sum(1 for value in dead if value not in injected),
            answers=dict(load.answers),
            restarts=restarts or {},
            seconds=time.monotonic() - started,
            drain_s=drained_s,
        )

    def _dead_letter_topics(self) -> list[str]:
        return [self.kafka.topics.dead_letter(t) for t in (Topic.RAW, Topic.DEIDENTIFIED, Topic.CLASSIFIED)]

    async def _stored_revisions(self, event_ids: list[str]) -> dict[str, int]:
        """The revision of each event notify stored with its classification."""
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(self.store_uri, serverSelectionTimeoutMS=3000)
        try:
            found = (
                await client[self.database]["events"]
                .find({"_id": {"$in": event_ids}}, {"revision": 1, "classification.model_version": 1})
                .to_list(None)
            )
        except Exception:  # noqa: BLE001 - the store may be the thing that is down: not drained yet
            return {}
        finally:
            await client.close()
        return {str(f["_id"]): int(f["revision"]) for f in found if f.get("classification")}

    async def _leaks(self, load: LoadGenerator) -> int:
        """How many reports have an identifier in what the receiver got or in the stored events."""
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(self.store_uri)
        try:
            stored = await client[self.database]["events"].find({}).to_list(None)
        finally:
            await client.close()
        return leaking_reports([s.report for s in load.accepted.values()], [self.receiver.received, stored])


def leaking_reports(reports: list[dict[str, Any]], documents: list[Any]) -> int:
    """How many of ``reports`` have a structured identifier, or a part of a person's name, in ``documents``
    (case-insensitive; a one-word identifier as a whole word)."""
    text = " ".join(all_strings(documents)).lower()
    words = set(re.findall(r"\w+", text))
    leaking = 0
    for report in reports:
        needles = {n.lower() for n in structured_identifiers(report)} | {
            part.lower() for person in person_names(report) for part in person.split() if len(part) > 2
        }
        if any((n in words) if re.fullmatch(r"\w+", n) else (n in text) for n in needles):
            leaking += 1
    return leaking
