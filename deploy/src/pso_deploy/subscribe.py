"""Subscribing through the notify API, for ``pso run``, the tests and the benchmarks."""

from __future__ import annotations

from typing import Any

import httpx

from pso_shared.errors import InfrastructureError


def subscribe(
    api_url: str,
    key: str,
    *,
    name: str,
    channels: list[dict[str, Any]],
    filter_: dict[str, Any] | None = None,
    client: httpx.Client | None = None,
) -> dict[str, Any]:
    """Create a subscription; returns the API's answer (with ``subscription_id`` and ``signing_secret``)."""
    body = {"name": name, "channels": channels, "filter": filter_ or {}}
    headers = {"authorization": f"Bearer {key}"}
    owned = client is None
    http = client or httpx.Client(timeout=10)
    try:
        response = http.post(f"{api_url}/v1/subscriptions", json=body, headers=headers)
    finally:
        if owned:
            http.close()
    if response.status_code != 201:  # noqa: PLR2004
        msg = f"the notify API refused the subscription: HTTP {response.status_code} {response.text[:500]}"
        raise InfrastructureError(msg)
    answer: dict[str, Any] = response.json()
    return answer


def subscribe_webhook(api_url: str, key: str, url: str, *, name: str = "local receiver") -> tuple[str, str]:
    """A network-wide subscription to every alert, by webhook to ``url``; returns (id, signing secret)."""
    answer = subscribe(api_url, key, name=name, channels=[{"type": "webhook", "url": url}])
    return str(answer["subscription_id"]), str(answer["signing_secret"])
