"""The subscriptions API as a real process on the real store: CRUD, tenancy, validation, destinations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from pso_deploy.pipeline import NOTIFY_API, PipelineConfig, PipelineProcesses
from pso_notify.subscription_cache import SubscriptionCache
from pso_notify.subscription_store import SecretBox, SubscriptionStore
from pso_shared.settings import DEVELOPMENT_SECRET
from pso_shared.store import Document
from tests.notify_support import admin_key, api, notify_config, provider_key, subscribe

pytestmark = [pytest.mark.store, pytest.mark.timeout(120)]

STREAM = [{"type": "stream"}]


@pytest.fixture
async def config(pipeline_config: PipelineConfig) -> AsyncIterator[PipelineConfig]:
    config = notify_config(pipeline_config)
    processes = PipelineProcesses(config)
    processes.start(NOTIFY_API)
    processes.wait_ready()
    yield config
    processes.stop_all()


async def test_create_read_update_list_delete(config: PipelineConfig) -> None:
    key = await provider_key(config, "org-a")
    created = await subscribe(
        config,
        key,
        name="falls with harm",
        filter={"categories": ["fall"], "min_harm": "moderate", "scope": "own_organisation"},
        channels=[{"type": "email", "address": "safety@org-a.example"}, *STREAM],
    )
    assert created["signing_secret"].startswith("whsec_")
    assert created["owner_org_id"] == "org-a"
    assert created["owner_pseudonym"].startswith("org_")
    subscription_id = created["subscription_id"]

    shown = (await api(config, "GET", f"/v1/subscriptions/{subscription_id}", key)).json()
    assert "signing_secret" not in shown
    assert shown["filter"]["min_harm"] == "moderate"

    patched = await api(config, "PATCH", f"/v1/subscriptions/{subscription_id}", key, {"name": "renamed"})
    assert patched.status_code == 200
    assert patched.json()["name"] == "renamed"
    assert patched.json()["filter"] == shown["filter"]

    listed = (await api(config, "GET", "/v1/subscriptions", key)).json()
    assert [s["subscription_id"] for s in listed] == [subscription_id]

    assert (await api(config, "DELETE", f"/v1/subscriptions/{subscription_id}", key)).status_code == 204
    assert (await api(config, "GET", f"/v1/subscriptions/{subscription_id}", key)).status_code == 404


async def test_a_provider_sees_and_manages_only_its_own_organisations_subscriptions(config: PipelineConfig) -> None:
    a, b = await provider_key(config, "org-a"), await provider_key(config, "org-b")
    mine = (await subscribe(config, a, channels=STREAM))["subscription_id"]
    theirs = (await subscribe(config, b, channels=STREAM))["subscription_id"]

    assert [s["subscription_id"] for s in (await api(config, "GET", "/v1/subscriptions", a)).json()] == [mine]
    for method, body in (("GET", None), ("PATCH", {"name": "x"}), ("DELETE", None)):
        response = await api(config, method, f"/v1/subscriptions/{theirs}", a, body)
        assert response.status_code == 404, method
        assert response.headers["content-type"] == "application/problem+json"
    assert (await api(config, "GET", f"/v1/subscriptions/{theirs}", b)).status_code == 200

    admin = await admin_key(config)
    everyone = {s["subscription_id"] for s in (await api(config, "GET", "/v1/subscriptions", admin)).json()}
    assert everyone == {mine, theirs}


async def test_invalid_subscriptions_are_refused_with_the_field_and_reason(config: PipelineConfig) -> None:
    key = await provider_key(config, "org-a")
    cases: dict[str, dict[str, Any]] = {
        "channels": {"name": "x", "channels": []},
        "channels[0].email.address": {"name": "x", "channels": [{"type": "email", "address": "not-an-address"}]},
        "filter.min_harm": {"name": "x", "channels": STREAM, "filter": {"min_harm": "catastrophic"}},
        "filter.unknown": {"name": "x", "channels": STREAM, "filter": {"unknown": 1}},
    }
    for field, body in cases.items():
        response = await api(config, "POST", "/v1/subscriptions", key, body)
        assert response.status_code == 422, field
        assert field in [e["field"] for e in response.json()["errors"]], response.text


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://alerts.example.org/hook", "https"),
        ("https://10.1.2.3/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[fd00::1]/hook", "private"),
        ("https://100.64.0.1/hook", "shared"),
        ("https://user:pw@alerts.example.org/hook", "user name"),
    ],
)
async def test_webhook_destinations_are_checked_at_creation(config: PipelineConfig, url: str, reason: str) -> None:
    key = await provider_key(config, "org-a")
    body = {"name": "x", "channels": [*STREAM, {"type": "webhook", "url": url}]}
    response = await api(config, "POST", "/v1/subscriptions", key, body)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "channels[1].url"
    assert reason in error["reason"]


async def test_without_a_valid_key_nothing_is_answered(config: PipelineConfig) -> None:
    async with httpx.AsyncClient(base_url=config.notify_api_url) as client:
        assert (await client.get("/v1/subscriptions")).status_code == 401
        bad = await client.get("/v1/subscriptions", headers={"authorization": "Bearer pso_0000000000000000_x"})
        assert bad.status_code == 401


async def test_a_body_over_the_limit_is_refused_before_parsing(config: PipelineConfig) -> None:
    key = await provider_key(config, "org-a")
    huge = {"name": "x" * 100_000, "channels": STREAM}
    response = await api(config, "POST", "/v1/subscriptions", key, huge)
    assert response.status_code == 413


async def test_the_workers_subscription_cache_reads_the_stored_subscriptions_and_secrets(
    config: PipelineConfig,
) -> None:
    """What notify's worker fans out to and signs with: created through the API, read back from the
    store in one query, the secret opened with the secrets key; a copy is kept for ``max_age_s``."""
    key = await admin_key(config)
    first = await subscribe(config, key, name="first", channels=STREAM)
    client: AsyncMongoClient[Document] = AsyncMongoClient(config.store_uri)
    try:
        store = SubscriptionStore(client[config.store_database], SecretBox(DEVELOPMENT_SECRET))
        cache = SubscriptionCache(store, max_age_s=60.0)
        found = await cache.with_secret(first["subscription_id"])
        assert found is not None
        assert found[1] == first["signing_secret"]
        second = await subscribe(config, key, name="second", channels=STREAM)
        assert [s.subscription_id for s in await cache.all()] == [first["subscription_id"]]
        fresh = SubscriptionCache(store, max_age_s=0.0)
        assert [s.subscription_id for s in await fresh.all()] == [first["subscription_id"], second["subscription_id"]]
        assert await fresh.with_secret("sub_unknown") is None
    finally:
        await client.close()
