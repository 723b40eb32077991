"""The delivery loop: sends due deliveries, retries with backoff and jitter, dead-letters what fails for good.

Every notify worker runs one. It takes due entries from the queue, claims them (so workers never send
one delivery at once), sends each through its channel and records the outcome. Deliveries the worker
has just planned are handed to it in memory instead, their entries already claimed. State lives in the
store only, so a worker killed between attempts leaves the delivery due, and any worker (or the same
one restarted) sends it when it is. A worker killed during a send leaves a claimed entry that is
due again when its lease ends: the receiver may then get it twice, and deduplicates by ``webhook-id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import random
from collections import OrderedDict
from datetime import timedelta
from email.message import EmailMessage
from typing import Protocol

from opentelemetry import propagate, trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import SpanKind, Status, StatusCode

from pso_notify.deliveries import Attempt, Delivery, DeliveryStatus, DeliveryStore, QueueEntry, attempt_of
from pso_notify.outcome import AttemptResult, Outcome
from pso_notify.settings import NotifySettings
from pso_notify.store import NotifyStore
from pso_notify.subscription_cache import SubscriptionCache
from pso_notify.subscription_store import channel_of
from pso_notify.subscriptions import Channel, ChannelStatus
from pso_shared.errors import RetryableError
from pso_shared.messages.alerts import Alert
from pso_shared.metrics import record_delivery_attempt, record_pipeline_latency
from pso_shared.stage import backoff_s

logger = logging.getLogger(__name__)

_ALERTS_KEPT = 1000

_tracer = trace.get_tracer(__name__)

_FAILURE_CODES = (
    # (a word of the reason, its code), the first match wins. Reasons name a status, an error type or
    # the kind of address refused (see ``webhook`` and ``email``), never the address itself.
    ("DNS resolution timed out", "dns_timeout"),
    ("DNS resolution", "dns"),
    ("does not resolve", "dns"),
    ("gaierror", "dns"),
    ("SSL", "tls"),
    ("Timeout", "timeout"),
    ("Refused", "refused"),
    ("ConnectError", "refused"),
    ("Disconnected", "disconnected"),
    ("ConnectionReset", "disconnected"),
    ("ReadError", "disconnected"),
    ("WriteError", "disconnected"),
    ("ProtocolError", "protocol"),
    ("resolves to", "unsafe_destination"),
    ("webhook URL must", "unsafe_destination"),
    ("not a valid port", "invalid_url"),
    ("not a valid URL", "invalid_url"),
    ("secret", "invalid_secret"),
    ("not delivered by queue", "unsupported_channel"),
)


class WebhookChannel(Protocol):
    async def send(self, *, url: str, secret: str, message_id: str, body: bytes) -> AttemptResult: ...


class EmailChannel(Protocol):
    async def send(self, message: EmailMessage) -> AttemptResult: ...


class EmailRenderer(Protocol):
    def __call__(self, alert: Alert, *, recipient: str, message_id: str) -> EmailMessage: ...


def retry_delay_s(attempts: int, settings: NotifySettings) -> float:
    """Exponential backoff with equal jitter: half the step fixed, half random, so retries spread
    out but still grow."""
    step = min(settings.delivery_max_backoff_s, settings.delivery_first_retry_s * 2 ** max(0, attempts - 1))
    return float(step / 2 + random.uniform(0, step / 2))  # noqa: S311 - jitter, not crypto


def failure_code(result: AttemptResult) -> str | None:
    """A failed attempt's reason as a short code for a metric label (``http_5xx``, ``smtp_4xx``, ``timeout``,
    ``refused``...), ``other`` when none fits; ``None`` for a delivered one."""
    if result.outcome is Outcome.DELIVERED:
        return None
    if result.outcome is Outcome.GONE:
        return "gone"
    reason = result.reason or ""
    if result.status_code is not None:
        if reason.startswith("SMTP"):
            return "smtp_auth" if "authentication" in reason else f"smtp_{result.status_code // 100}xx"
        return f"http_{result.status_code // 100}xx"
    return next((code for word, code in _FAILURE_CODES if word in reason), "other")


def webhook_body(alert: Alert) -> bytes:
    """The Standard Webhooks payload: a type, a timestamp and the alert as data."""
    payload = {
        "type": f"alert.{alert.kind.value}",
        "timestamp": alert.raised_at.isoformat(),
        "data": alert.model_dump(mode="json"),
    }
    return json.dumps(payload, separators=(",", ":")).encode()


class Dispatcher:
    def __init__(
        self,
        *,
        settings: NotifySettings,
        deliveries: DeliveryStore,
        subscriptions: SubscriptionCache,
        alerts: NotifyStore,
        webhook: WebhookChannel,
        email: EmailChannel,
        render_email: EmailRenderer,
    ) -> None:
        self._settings = settings
        self._deliveries = deliveries
        self._subscriptions = subscriptions
        self._alerts = alerts
        self._webhook = webhook
        self._email = email
        self._render_email = render_email
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(settings.delivery_concurrency)
        self._recent_alerts: OrderedDict[str, Alert] = OrderedDict()
        self._running = False
        self._handed: set[asyncio.Task[None]] = set()

    @property
    def lease_s(self) -> float:
        return self._settings.delivery_lease_s

    def wake(self) -> None:
        """New deliveries were planned: look now instead of at the next poll."""
        self._wake.set()

    def has_room(self, deliveries: int) -> bool:
        """Whether this dispatcher runs and can take ``deliveries`` more from memory now; beyond a few
        rounds of sends, they wait in the queue instead (memory stays bounded)."""
        limit = self._settings.delivery_concurrency * 4
        return self._running and len(self._handed) + deliveries <= limit

    def hand_over(self, alert: Alert, deliveries: list[Delivery]) -> None:
        """Send these just-planned deliveries, whose queue entries this worker claimed when it planned
        them. A failure to record an outcome leaves the entry claimed: it falls due when the claim ends."""
        self._remember(alert)
        for delivery in deliveries:
            # An empty context: the attempt's span has the delivery's own parent, not the caller's span.
            task = asyncio.create_task(self._send_handed(delivery), context=contextvars.Context())
            self._handed.add(task)
            task.add_done_callback(self._handed.discard)

    async def close(self) -> None:
        """Stop the sends in flight; their entries fall due when their claims end."""
        for task in list(self._handed):
            task.cancel()
        await asyncio.gather(*self._handed, return_exceptions=True)

    async def run(self) -> None:
        """Deliver until cancelled. Store outages pause the loop; they never end it."""
        self._running = True
        try:
            await self._run()
        finally:
            self._running = False

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                sent = await self.run_once()
                failures = 0
            except RetryableError as exc:
                failures += 1
                logger.warning("dispatcher: %s; retrying (attempt %d)", type(exc).__name__, failures)
                await asyncio.sleep(backoff_s(failures, self._settings.retry_backoff_max_s))
                continue
            if sent == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._settings.delivery_poll_s)

    async def run_once(self) -> int:
        """Send every delivery due now (in batches); return how many were attempted."""
        limit = self._settings.delivery_concurrency * 4
        with suppress_instrumentation():  # an idle poll every few seconds would be a trace of its own
            entries = await self._deliveries.due(limit=limit)
            # Claimed together: the claims share round trips, and other workers get the rest.
            claimed = await self._deliveries.claim(entries, lease_s=self._settings.delivery_lease_s)
        tasks = [asyncio.create_task(self._claimed(entry)) for entry in claimed]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result
            if isinstance(result, RetryableError):
                raise result
            if isinstance(result, Exception):
                logger.error("dispatcher: a delivery failed with %s", type(result).__name__)
        return sum(1 for r in results if r is True)

    async def _claimed(self, entry: QueueEntry) -> bool:
        async with self._slots:
            with suppress_instrumentation():  # the queue's bookkeeping; the attempt is traced below
                delivery = await self._pending(entry)
            if delivery is None:
                return False
            try:
                await self._attempt(delivery)
            except RetryableError:
                raise
            except Exception as exc:  # a bug: dead-letter this one delivery, keep delivering the rest
                await self._deliveries.dead_letter(delivery, None, f"internal error: {type(exc).__name__}")
                raise
            return True

    async def _send_handed(self, delivery: Delivery) -> None:
        async with self._slots:
            try:
                await self._attempt(delivery)
            except RetryableError as exc:
                logger.warning("dispatcher: a delivery waits for its claim to end after %s", type(exc).__name__)
            except Exception as exc:  # noqa: BLE001 - a bug: dead-letter this one delivery, as for a polled one
                # The type only: a traceback's messages could hold what the delivery failed on.
                logger.error("dispatcher: a delivery failed with %s", type(exc).__name__)  # noqa: TRY400
                with contextlib.suppress(Exception):  # the store is down: the entry falls due when its claim ends
                    await self._deliveries.dead_letter(delivery, None, f"internal error: {type(exc).__name__}")

    async def _pending(self, entry: QueueEntry) -> Delivery | None:
        """The claimed entry's delivery, if it is still to be sent (a crash can leave the entry of a
        delivery already finished)."""
        delivery = await self._deliveries.get(entry.delivery_id)
        if delivery is None or delivery.status is not DeliveryStatus.PENDING:
            await self._deliveries.drop_from_queue(entry.delivery_id)
            return None
        return delivery

    async def _attempt(self, delivery: Delivery) -> None:
        """One attempt, as a span in the trace of the event that raised the alert (a root span for a
        delivery planned before deliveries carried it). Its attributes name no URL, address or recipient."""
        parent = propagate.extract({"traceparent": delivery.trace_parent} if delivery.trace_parent else {})
        attributes: dict[str, str | int] = {
            "pso.delivery_id": delivery.delivery_id,
            "pso.channel_type": delivery.channel_type,
            "pso.attempt": delivery.attempts + 1,
        }
        with _tracer.start_as_current_span(
            "pso.delivery.attempt",
            context=parent,
            kind=SpanKind.INTERNAL,
            attributes=attributes,
            record_exception=False,  # an exception's message may hold what it failed on
            set_status_on_exception=False,
        ) as span:
            try:
                outcome, failure = await self._attempt_once(delivery)
            except Exception as exc:
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise
            span.set_attribute("pso.outcome", outcome)
            if failure is not None:
                span.set_status(Status(StatusCode.ERROR, failure))

    async def _attempt_once(self, delivery: Delivery) -> tuple[str, str | None]:
        """Send the delivery unless it can no longer be sent; its outcome and failure code."""
        found = await self._subscriptions.with_secret(delivery.subscription_id)
        subscription, secret = found if found else (None, "")
        channel = channel_of(subscription, delivery.channel_id) if subscription else None
        if subscription is None or channel is None or not subscription.enabled:
            await self._deliveries.cancel(delivery, "the subscription or channel was removed or disabled")
            return "cancelled", None
        if channel.status is ChannelStatus.DISABLED:
            await self._deliveries.dead_letter(delivery, None, f"endpoint disabled: {channel.disabled_reason}")
            return "dead", "endpoint_disabled"
        alert = await self._alert(delivery.alert_id)
        if alert is None:
            await self._deliveries.dead_letter(delivery, None, "the alert is no longer in the store")
            return "dead", "alert_missing"
        result = await self._send(delivery, channel, alert, secret)
        failure = failure_code(result)
        record_delivery_attempt(channel.type, result.outcome.value, failure)
        if result.outcome is Outcome.DELIVERED:
            record_pipeline_latency("delivery", alert.received_at)
        await self._record(delivery, result)
        return result.outcome.value, failure

    async def _alert(self, alert_id: str) -> Alert | None:
        """Alerts never change once recorded, and one alert has many deliveries: read each once."""
        alert = self._recent_alerts.get(alert_id)
        if alert is None:
            alert = await self._alerts.alert(alert_id)
            if alert is not None:
                self._remember(alert)
        return alert

    def _remember(self, alert: Alert) -> None:
        self._recent_alerts[alert.alert_id] = alert
        while len(self._recent_alerts) > _ALERTS_KEPT:
            self._recent_alerts.popitem(last=False)

    async def _send(self, delivery: Delivery, channel: Channel, alert: Alert, secret: str) -> AttemptResult:
        if channel.type == "webhook" and channel.url is not None:
            return await self._webhook.send(
                url=channel.url, secret=secret, message_id=delivery.delivery_id, body=webhook_body(alert)
            )
        if channel.type == "email" and channel.address is not None:
            message = self._render_email(alert, recipient=channel.address, message_id=delivery.delivery_id)
            return await self._email.send(message)
        return AttemptResult(outcome=Outcome.FAILED, reason=f"channel type {channel.type} is not delivered by queue")

    async def _record(self, delivery: Delivery, result: AttemptResult) -> None:
        attempt = attempt_of(result)
        if result.outcome is Outcome.DELIVERED:
            await self._deliveries.delivered(delivery, attempt)
        elif result.outcome is Outcome.GONE:
            reason = "the receiver answered 410 Gone; the endpoint is disabled"
            await self._subscriptions.disable_channel(delivery.subscription_id, delivery.channel_id, reason)
            await self._deliveries.dead_letter(delivery, attempt, reason)
        elif result.outcome is Outcome.FAILED:
            await self._deliveries.dead_letter(delivery, attempt, result.reason or "failed")
        else:
            await self._retry_or_give_up(delivery, attempt)

    async def _retry_or_give_up(self, delivery: Delivery, attempt: Attempt) -> None:
        first = delivery.first_attempt_at or attempt.at
        when = attempt.at + timedelta(seconds=retry_delay_s(delivery.attempts + 1, self._settings))
        if (when - first).total_seconds() > self._settings.delivery_give_up_after_s:
            hours = self._settings.delivery_give_up_after_s / 3600
            reason = f"gave up after {delivery.attempts + 1} attempts over {hours:g} h; last: {attempt.reason}"
            await self._deliveries.dead_letter(delivery, attempt, reason)
            return
        await self._deliveries.retry_at(delivery, attempt, when)
        logger.info("delivery %s: %s, retry at %s", delivery.delivery_id, attempt.reason, when.isoformat())
