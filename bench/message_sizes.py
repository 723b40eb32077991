"""The sizes of the pipeline's real messages, for benchmarks that mimic its hops without its work."""

from __future__ import annotations

import uuid
from typing import Any

from pymongo import AsyncMongoClient

from pso_classify.handler import classify_event
from pso_deidentify.policy import SAFE_HARBOR
from pso_deidentify.transform import deidentify_event
from pso_deploy.synthetic import synthetic_report
from pso_notify.rules import immediate_alert
from pso_notify.rules_config import load_rules
from pso_shared.messages.raw import RawEvent
from pso_shared.report import EventReport
from pso_shared.sealing import KeyRing, master_key_from_secret, seal_event
from pso_shared.settings import DEVELOPMENT_SECRET
from pso_shared.types import utc_now


async def measure_sizes(store_uri: str, topics: list[str], samples: int = 50) -> dict[str, list[int]]:
    """The byte sizes of real messages for ``samples`` synthetic reports (each with severe harm, so each
    raises an alert, as in ``bench/e2e.py``): raw sealed by the store's key ring, as intake does. ``topics``
    names the four hops' topics in order: raw, de-identified, classified, alerts."""
    rules = load_rules(None)
    sizes: dict[str, list[int]] = {name: [] for name in topics}
    client: Any = AsyncMongoClient(store_uri)
    try:
        ring = KeyRing(client["relay_bench"], master_key_from_secret(DEVELOPMENT_SECRET))
        for index in range(samples):
            event_id = str(uuid.uuid4())
            report = EventReport.model_validate(synthetic_report(index, seed=11, severe_every=1))
            raw = RawEvent(event_id=event_id, correlation_id=event_id, received_at=utc_now(), report=report)
            deidentified = deidentify_event(raw, policy=SAFE_HARBOR, key=DEVELOPMENT_SECRET.encode())
            classified = classify_event(deidentified)
            alert = immediate_alert(classified, rules.immediate, rules.version)
            messages = [await seal_event(raw, ring), deidentified, classified, alert]
            for name, message in zip(topics, messages, strict=True):
                if message is not None:
                    sizes[name].append(len(message.model_dump_json()))
    finally:
        await client.close()
    return sizes
