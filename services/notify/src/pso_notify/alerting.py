"""Raising an alert: record it once, publish it, plan its deliveries to every matching subscription.

Immediate alerts (from the classified-topic handler) and signals (from the signal agent) both come
through here, so "one alert per rule and event or window, whatever is redelivered" holds in one place:
an alert id already fanned out is left alone. A crash half-way redoes the steps, each idempotent;
the alerts topic may then carry the alert twice, and the live stream drops the repeat by alert id.
"""

from __future__ import annotations

import logging
from typing import Protocol

from opentelemetry import propagate

from pso_notify.deliveries import Delivery, DeliveryStore, delivery_id
from pso_notify.store import AlertStatus, NotifyStore
from pso_notify.subscription_cache import SubscriptionCache
from pso_notify.subscriptions import ChannelStatus, Subscription, matches
from pso_shared.messages.alerts import Alert
from pso_shared.stage import Publisher
from pso_shared.types import utc_now

logger = logging.getLogger(__name__)

QUEUED_CHANNELS = {"webhook", "email"}
"""The stream channel is served live from the alerts topic; the others go through the queue."""


class DeliveryHandOff(Protocol):
    """Where planned deliveries go to be sent at once (the worker's dispatcher)."""

    @property
    def lease_s(self) -> float: ...

    def has_room(self, deliveries: int) -> bool: ...

    def hand_over(self, alert: Alert, deliveries: list[Delivery]) -> None: ...

    def wake(self) -> None: ...


class AlertRaiser:
    def __init__(
        self,
        *,
        alerts: NotifyStore,
        subscriptions: SubscriptionCache,
        deliveries: DeliveryStore,
        alerts_topic: str,
        dispatcher: DeliveryHandOff,
    ) -> None:
        self._alerts = alerts
        self._subscriptions = subscriptions
        self._deliveries = deliveries
        self._topic = alerts_topic
        self._dispatcher = dispatcher

    async def raise_alert(self, alert: Alert, publish: Publisher) -> None:
        if await self._alerts.record_alert(alert) is AlertStatus.FANNED_OUT:
            return
        await publish(self._topic, key=alert.event_id.encode(), value=alert.model_dump_json().encode())
        planned = plan_deliveries(alert, await self._subscriptions.all())
        # The new deliveries go straight to this worker's dispatcher, their queue entries born claimed
        # by it: no poll, claim or read of each (three store round trips a delivery). When it is busy,
        # or does not run here, they wait in the queue, due now.
        hand_over = self._dispatcher.has_room(len(planned))
        claimed_for_s = self._dispatcher.lease_s if hand_over else None
        new = await self._deliveries.plan(planned, claimed_for_s=claimed_for_s)
        # The deliveries are recorded and queued: they may go before the fan-out is marked done. If that
        # mark fails, the retry finds them recorded and sends none of them again.
        if new and hand_over:
            self._dispatcher.hand_over(alert, new)
        elif new:
            self._dispatcher.wake()
        await self._alerts.fanned_out(alert.alert_id, len(planned))
        logger.info("alert %s raised: %d deliveries (%d new)", alert.alert_id, len(planned), len(new))


def plan_deliveries(alert: Alert, subscriptions: list[Subscription]) -> list[Delivery]:
    """One delivery per active queued channel of every subscription the alert matches, each carrying
    the current trace (the event's) for its attempts, which run later in the dispatcher's task."""
    now = utc_now()
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return [
        Delivery(
            delivery_id=delivery_id(alert.alert_id, s.subscription_id, c.channel_id),
            alert_id=alert.alert_id,
            subscription_id=s.subscription_id,
            channel_id=c.channel_id,
            channel_type=c.type,
            owner_org_id=s.owner_org_id,
            created_at=now,
            trace_parent=carrier.get("traceparent"),
        )
        for s in subscriptions
        if matches(s, alert)
        for c in s.channels
        if c.type in QUEUED_CHANNELS and c.status is ChannelStatus.ACTIVE
    ]
