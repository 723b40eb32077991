"""The stage's message handler: store the event, raise its immediate alert, feed the signals.

``NotifyResources`` opens what the handler, the signal agent and the dispatcher share, on the
worker's event loop: the store collections, the channels, and the dispatcher's background task.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging

from pymongo import AsyncMongoClient

from pso_notify.alerting import AlertRaiser
from pso_notify.content import email_message
from pso_notify.deliveries import DeliveryStore
from pso_notify.dispatcher import Dispatcher
from pso_notify.email import EmailSender
from pso_notify.rules import immediate_alert
from pso_notify.rules_config import RulesSource
from pso_notify.settings import NotifySettings
from pso_notify.signals import observations_of
from pso_notify.store import NotifyStore
from pso_notify.subscription_cache import SubscriptionCache
from pso_notify.subscription_store import SecretBox, SubscriptionStore
from pso_notify.webhook import WebhookSender
from pso_shared.messages.alerts import Alert
from pso_shared.messages.classified import ClassifiedEvent
from pso_shared.stage import Handler, Origin, Publisher
from pso_shared.store import Document, create_store_client, store_database
from pso_shared.telemetry import annotate
from pso_shared.topics import Topic
from pso_shared.validation import parse_message

logger = logging.getLogger(__name__)


class NotifyResources:
    def __init__(self, settings: NotifySettings, rules: RulesSource, *, dispatch: bool) -> None:
        self._settings = settings
        self._dispatch = dispatch  # the delivery loop runs in the classified-topic worker only
        self.rules = rules
        self._client: AsyncMongoClient[Document] | None = None
        self._webhook: WebhookSender | None = None
        self._dispatch_task: asyncio.Task[None] | None = None
        self._dispatcher: Dispatcher | None = None
        self._ready: asyncio.Event | None = None
        self.store: NotifyStore | None = None
        self.raiser: AlertRaiser | None = None

    async def start(self) -> None:
        if self.raiser is not None:
            return
        settings = self._settings
        self._client = create_store_client(settings)
        database = store_database(self._client, settings)
        self.store = NotifyStore(database)
        subscriptions = SubscriptionCache(
            SubscriptionStore(database, SecretBox(settings.secrets_key.get_secret_value())),
            max_age_s=settings.subscription_cache_s,
        )
        deliveries = DeliveryStore(database)
        self._webhook = WebhookSender(
            timeout_s=settings.delivery_timeout_s, allow_loopback=settings.allow_loopback_destinations
        )
        dispatcher = self._dispatcher = Dispatcher(
            settings=settings,
            deliveries=deliveries,
            subscriptions=subscriptions,
            alerts=self.store,
            webhook=self._webhook,
            email=EmailSender(settings),
            render_email=lambda alert, *, recipient, message_id: email_message(
                alert,
                sender=settings.smtp_from,
                recipient=recipient,
                link_base=settings.alert_link_base,
                message_id=message_id,
            ),
        )
        self.raiser = AlertRaiser(
            alerts=self.store,
            subscriptions=subscriptions,
            deliveries=deliveries,
            alerts_topic=settings.topics.name(Topic.ALERTS),
            dispatcher=dispatcher,
        )
        if self._dispatch:
            # An empty context: the loop must not inherit the span of the message that started the worker.
            loop_context = contextvars.Context()
            self._dispatch_task = asyncio.create_task(dispatcher.run(), name="notify-dispatcher", context=loop_context)
        self.ready.set()

    @property
    def ready(self) -> asyncio.Event:
        """Set once started; the signal agent waits on it (it may start before the main agent)."""
        if self._ready is None:
            self._ready = asyncio.Event()
        return self._ready

    async def stop(self) -> None:
        if self._dispatch_task is not None:
            self._dispatch_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatch_task
        if self._dispatcher is not None:
            await self._dispatcher.close()
        if self._webhook is not None:
            await self._webhook.aclose()
        if self._client is not None:
            await self._client.close()

    async def raise_alert(self, alert: Alert, publish: Publisher) -> None:
        await self.ready.wait()
        if self.raiser is None:  # pragma: no cover - set before ready
            msg = "notify resources not started"
            raise RuntimeError(msg)
        await self.raiser.raise_alert(alert, publish)


def build_handler(settings: NotifySettings, resources: NotifyResources) -> Handler:
    signals_topic = settings.topics.name(Topic.SIGNALS)

    async def handle(value: bytes, origin: Origin, publish: Publisher) -> None:
        store = resources.store
        if store is None:
            msg = "notify resources not started"
            raise RuntimeError(msg)
        event = parse_message(ClassifiedEvent, value)
        rules = resources.rules.current()
        annotate(event_id=event.event_id, revision=event.revision, rules_version=rules.version)
        lineage = origin.lineage(
            processor="notify", package="pso-notify", revision=event.revision, rules_version=rules.version
        )
        observations = (
            publish(
                signals_topic,
                key=key.encode(),
                value=observation.model_copy(update={"lineage": lineage}).model_dump_json().encode(),
            )
            for key, observation in observations_of(event, rules.signals)
        )
        # The event's record, its observations and its alert do not depend on one another, so they go
        # out together: the observations share one produce request, and the alert's delivery does not
        # wait for the event's write. The message is acked only once all of them are durable.
        work = [store.save_event(event), *observations]
        alert = immediate_alert(event, rules.immediate, rules.version)
        if alert is not None:
            work.append(resources.raise_alert(alert.model_copy(update={"lineage": lineage}), publish))
        await asyncio.gather(*work)

    return handle
