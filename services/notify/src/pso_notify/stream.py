"""``GET /v1/alerts/stream``: alerts live, as Server-Sent Events, filtered by the caller's subscriptions.

Each event's ``id`` is the alerts topic position after it (see ``live.Cursor``); a client that
reconnects with ``Last-Event-ID`` resumes right after the last alert it received, with no gap and no
repeat. Alerts go out to a stream when any of the caller's organisation's enabled subscriptions with a
``stream`` channel matches them. Authentication is the API key in the ``Authorization`` header, as
everywhere: keys in query strings end up in logs.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import ValidationError

from pso_notify.live import AlertTail, Cursor, InvalidCursorError, format_cursor, parse_cursor
from pso_notify.settings import NotifySettings
from pso_notify.subscription_store import SubscriptionStore
from pso_notify.subscriptions import Subscription, matches
from pso_shared.apikeys import ApiKey
from pso_shared.errors import PipelineError
from pso_shared.http.auth import Caller
from pso_shared.http.problems import ProblemError, problem_responses
from pso_shared.messages.alerts import Alert

logger = logging.getLogger(__name__)
router = APIRouter(tags=["alerts"])

_REFRESH_S = 30.0
_SEEN_KEPT = 10_000


async def _streaming_subscriptions(store: SubscriptionStore, caller: ApiKey) -> list[Subscription]:
    found = await store.of_owner(caller.org_id)
    return [s for s in found if s.enabled and any(c.type == "stream" for c in s.channels)]


@dataclass(kw_only=True, frozen=True)
class StreamPlan:
    """What a stream request asked for, checked before the response starts (a 4xx is still possible)."""

    caller: ApiKey
    cursor: Cursor | None
    subscriptions: list[Subscription]


async def stream_plan(
    caller: Caller, request: Request, last_event_id: Annotated[str | None, Header(max_length=1000)] = None
) -> StreamPlan:
    try:
        cursor = parse_cursor(last_event_id) if last_event_id else None
    except InvalidCursorError as exc:
        raise ProblemError(422, "Invalid request", f"Last-Event-ID: {exc}") from exc
    subscriptions = await _streaming_subscriptions(request.app.state.subscriptions, caller)
    if not subscriptions:
        raise ProblemError(409, "No live-stream subscription", "Create a subscription with a 'stream' channel first.")
    return StreamPlan(caller=caller, cursor=cursor, subscriptions=subscriptions)


@router.get(
    "/v1/alerts/stream",
    response_class=EventSourceResponse,
    responses=problem_responses(401, 409, 422, 429, 503),
)
async def alert_stream(
    plan: Annotated[StreamPlan, Depends(stream_plan)], request: Request
) -> AsyncIterator[ServerSentEvent]:
    """Alerts as they are raised (event ``alert``, data the alert's JSON). Event ``gap`` says alerts
    were lost to retention since ``Last-Event-ID``: look them up in the store."""
    settings: NotifySettings = request.app.state.settings
    store: SubscriptionStore = request.app.state.subscriptions
    subscriptions = plan.subscriptions
    seen: OrderedDict[str, None] = OrderedDict()
    refreshed = time.monotonic()
    try:
        async with AlertTail(settings, cursor=plan.cursor) as tail:
            # The start position first, so a client that reconnects before any alert resumes there.
            yield ServerSentEvent(comment="stream start", id=format_cursor(tail.cursor))
            while True:
                records = await tail.poll(settings.stream_heartbeat_s)
                if tail.take_gap():
                    yield ServerSentEvent(event="gap", data={"detail": "alerts were lost to retention"})
                for record in records:
                    alert = _alert(record.value)
                    if alert is None or alert.alert_id in seen or not any(matches(s, alert) for s in subscriptions):
                        continue
                    _remember(seen, alert.alert_id)
                    cursor = format_cursor(record.cursor)
                    yield ServerSentEvent(event="alert", raw_data=alert.model_dump_json(), id=cursor)
                if not records:
                    yield ServerSentEvent(comment="heartbeat", id=format_cursor(tail.cursor))
                if time.monotonic() - refreshed > _REFRESH_S:
                    subscriptions = await _streaming_subscriptions(store, plan.caller) or subscriptions
                    refreshed = time.monotonic()
    except PipelineError as exc:  # the broker or store went away: say so; the client reconnects
        logger.warning("alert stream ended: %s", type(exc).__name__)
        yield ServerSentEvent(event="error", data={"detail": f"the stream stopped ({type(exc).__name__}); reconnect"})


def _alert(value: bytes) -> Alert | None:
    try:
        return Alert.model_validate_json(value)
    except ValidationError:
        return None


def _remember(seen: OrderedDict[str, None], alert_id: str) -> None:
    seen[alert_id] = None
    if len(seen) > _SEEN_KEPT:
        seen.popitem(last=False)
