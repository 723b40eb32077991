"""The live alert stream (SSE) on the real broker: filtered by subscription, resumed without gaps or repeats."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import pytest

from pso_deploy.pipeline import PipelineConfig
from tests.factories import example_reports, with_harm
from tests.notify_support import api, classified, notify_config, provider_key, send_classified, start_notify, subscribe

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(240)]

FALL = example_reports()["fall-incident.json"]
MEDICATION = example_reports()["medication-error.json"]


@dataclass
class SseEvent:
    event: str = "message"
    data: str = ""
    id: str | None = None
    comments: list[str] = field(default_factory=list)


async def sse_events(response: httpx.Response) -> AsyncIterator[SseEvent]:
    """Parse ``text/event-stream``: fields until a blank line; comment-only blocks come out too."""
    current = SseEvent()
    async for line in response.aiter_lines():
        if not line:
            yield current
            current = SseEvent()
        elif line.startswith(":"):
            current.comments.append(line[1:].strip())
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                current.data = f"{current.data}\n{value}" if current.data else value
            elif name == "event":
                current.event = value
            elif name == "id":
                current.id = value


class Stream:
    """One SSE connection; ``alerts(n)`` reads the next ``n`` alerts, remembering the last event id."""

    def __init__(self, response: httpx.Response) -> None:
        self._events = sse_events(response)
        self.last_id: str | None = None

    async def started(self, *, within_s: float = 30) -> None:
        """Read up to the stream's first event: the start position, sent before any alert."""
        async with asyncio.timeout(within_s):
            async for event in self._events:
                if event.id is not None:
                    self.last_id = event.id
                    return

    async def alerts(self, count: int, *, within_s: float = 60) -> list[dict[str, object]]:
        found: list[dict[str, object]] = []
        async with asyncio.timeout(within_s):
            async for event in self._events:
                if event.id is not None:
                    self.last_id = event.id
                if event.event == "alert":
                    found.append(json.loads(event.data))
                    if len(found) == count:
                        break
        return found


@asynccontextmanager
async def open_stream(client: httpx.AsyncClient, key: str, last_id: str | None = None) -> AsyncIterator[Stream]:
    headers = {"authorization": f"Bearer {key}"} | ({"last-event-id": last_id} if last_id else {})
    async with client.stream("GET", "/v1/alerts/stream", headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Stream(response)


async def test_stream_delivers_matching_alerts_and_resumes_without_gaps_or_repeats(
    pipeline_config: PipelineConfig,
) -> None:
    config = notify_config(pipeline_config)
    notify = start_notify(config)
    try:
        key = await provider_key(config, "org-a")
        await subscribe(config, key, filter={"categories": ["fall"]}, channels=[{"type": "stream"}])
        falls = [classified(with_harm(FALL, "severe", f"r-f{i}"), f"ev-f{i}") for i in range(5)]
        other = classified(with_harm(MEDICATION, "death", "r-m"), "ev-m")  # alerts, but not a fall
        async with httpx.AsyncClient(base_url=config.notify_api_url, timeout=30) as client:
            async with open_stream(client, key) as stream:
                await stream.started()
                await send_classified(config, [falls[0], other, falls[1], falls[2]])
                first = await stream.alerts(1)
                resume_from = stream.last_id
            assert [a["event_id"] for a in first] == ["ev-f0"]

            await send_classified(config, [falls[3], falls[4]])
            async with open_stream(client, key, resume_from) as stream:
                rest = await stream.alerts(4)
            assert [a["event_id"] for a in rest] == ["ev-f1", "ev-f2", "ev-f3", "ev-f4"]
    finally:
        notify.stop_all()


async def test_stream_needs_a_stream_subscription_and_a_valid_last_event_id(pipeline_config: PipelineConfig) -> None:
    config = notify_config(pipeline_config)
    notify = start_notify(config)
    try:
        key = await provider_key(config, "org-a")
        assert (await api(config, "GET", "/v1/alerts/stream", key)).status_code == 409
        await subscribe(config, key, channels=[{"type": "stream"}])
        async with httpx.AsyncClient(base_url=config.notify_api_url, timeout=30) as client:
            headers = {"authorization": f"Bearer {key}", "last-event-id": "v9.bogus"}
            response = await client.get("/v1/alerts/stream", headers=headers)
        assert response.status_code == 422
        assert "Last-Event-ID" in response.json()["detail"]
    finally:
        notify.stop_all()
