"""The stage's message handler: store the event, raise and deliver its alert."""

from __future__ import annotations

import httpx
from pymongo import AsyncMongoClient

from pso_notify.delivery import WebhookSender
from pso_notify.rules import immediate_alert
from pso_notify.settings import NotifySettings
from pso_notify.store import NotifyStore
from pso_shared.messages.alerts import Alert
from pso_shared.messages.classified import ClassifiedEvent
from pso_shared.stage import Handler, Origin, Publisher
from pso_shared.store import Document, create_store_client, store_database
from pso_shared.topics import Topic
from pso_shared.validation import parse_message


class NotifyResources:
    """The store and HTTP clients, opened on the worker's event loop."""

    def __init__(self, settings: NotifySettings) -> None:
        self._settings = settings
        self._client: AsyncMongoClient[Document] | None = None
        self._http: httpx.AsyncClient | None = None
        self.store: NotifyStore | None = None
        self.webhook: WebhookSender | None = None

    async def start(self) -> None:
        self._client = create_store_client(self._settings)
        self.store = NotifyStore(store_database(self._client, self._settings))
        self._http = httpx.AsyncClient(timeout=self._settings.webhook_timeout_s)
        if self._settings.webhook_url is not None:
            url = str(self._settings.webhook_url)
            self.webhook = WebhookSender(self._http, url, self._settings.webhook_max_attempts)

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        if self._client is not None:
            await self._client.close()


def build_handler(settings: NotifySettings, resources: NotifyResources) -> Handler:
    alerts_topic = settings.topics.name(Topic.ALERTS)

    async def handle(value: bytes, origin: Origin, publish: Publisher) -> None:  # noqa: ARG001
        store = resources.store
        if store is None:
            msg = "notify resources not started"
            raise RuntimeError(msg)
        event = parse_message(ClassifiedEvent, value)
        await store.save_event(event)
        alert = immediate_alert(event)
        if alert is not None:
            await _raise_alert(alert, store, resources.webhook, publish, alerts_topic)

    return handle


async def _raise_alert(
    alert: Alert, store: NotifyStore, webhook: WebhookSender | None, publish: Publisher, topic: str
) -> None:
    """Record the alert, publish it, deliver it, then record the outcome.

    A redelivered event finds its alert no longer pending and does nothing. A crash before the
    outcome is recorded publishes and delivers again: at-least-once, and receivers deduplicate by
    ``webhook-id`` (the alert id).
    """
    record = await store.record_alert(alert)
    if record.status != "pending":
        return
    await publish(topic, key=alert.event_id.encode(), value=alert.model_dump_json().encode())
    if webhook is None:
        await store.finish_alert(alert.alert_id, status="published", attempts=0, reason=None)
        return
    outcome = await webhook.deliver(alert)
    status = "delivered" if outcome.delivered else "failed"
    await store.finish_alert(alert.alert_id, status=status, attempts=outcome.attempts, reason=outcome.reason)
