"""Webhook delivery of alerts: JSON POST, bounded retries, a ``webhook-id`` for deduplication.

Signed webhooks, durable retries over a day and dead-lettering come with subscriptions in a later
issue; here a delivery that still fails after ``webhook_max_attempts`` is recorded as failed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from pso_shared.messages.alerts import Alert
from pso_shared.stage import backoff_s


@dataclass(kw_only=True, frozen=True)
class DeliveryOutcome:
    delivered: bool
    attempts: int
    reason: str | None = None


class WebhookSender:
    def __init__(self, client: httpx.AsyncClient, url: str, max_attempts: int) -> None:
        self._client = client
        self._url = url
        self._max_attempts = max_attempts

    async def deliver(self, alert: Alert) -> DeliveryOutcome:
        """POST the alert until a 2xx, a permanent 4xx, or the attempts run out."""
        body = alert.model_dump_json().encode()
        headers = {"content-type": "application/json", "webhook-id": alert.alert_id}
        reason = "not attempted"
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = await self._client.post(self._url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                reason = f"transport error: {type(exc).__name__}"
            else:
                if response.is_success:
                    return DeliveryOutcome(delivered=True, attempts=attempt)
                reason = f"HTTP {response.status_code}"
                if response.is_client_error and response.status_code not in (408, 429):
                    return DeliveryOutcome(delivered=False, attempts=attempt, reason=reason)
            if attempt < self._max_attempts:
                await asyncio.sleep(backoff_s(attempt, cap_s=5.0))
        return DeliveryOutcome(delivered=False, attempts=self._max_attempts, reason=reason)
