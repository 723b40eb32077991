"""The subscription cache: one store read per ``max_age_s``, shared by concurrent callers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from pso_notify.subscription_cache import SubscriptionCache
from pso_notify.subscriptions import Channel, Subscription, SubscriptionFilter

NOW = datetime(2026, 11, 28, tzinfo=UTC)


def subscription(subscription_id: str) -> Subscription:
    return Subscription(
        subscription_id=subscription_id,
        owner_org_id="org-a",
        owner_pseudonym="p",
        created_by="key",
        name=subscription_id,
        filter=SubscriptionFilter(),
        channels=[Channel(channel_id="ch1", type="webhook", url="https://example.org/hook")],
        created_at=NOW,
        updated_at=NOW,
    )


class FakeStore:
    def __init__(self) -> None:
        self.rows: list[tuple[Subscription, str]] = [(subscription("sub_a"), "sealed-a")]
        self.reads = 0
        self.disabled: list[tuple[str, str, str]] = []

    async def all_sealed(self) -> list[tuple[Subscription, str]]:
        self.reads += 1
        await asyncio.sleep(0)  # a real read yields to the loop: concurrent callers overlap here
        return list(self.rows)

    def open_secret(self, sealed: str, subscription_id: str) -> str:
        return f"opened({sealed},{subscription_id})"

    async def disable_channel(self, subscription_id: str, channel_id: str, reason: str) -> None:
        self.disabled.append((subscription_id, channel_id, reason))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_reads_once_per_max_age_then_sees_changes() -> None:
    store, clock = FakeStore(), Clock()
    cache = SubscriptionCache(store, max_age_s=1.0, clock=clock)
    assert [s.subscription_id for s in await cache.all()] == ["sub_a"]
    store.rows.append((subscription("sub_b"), "sealed-b"))
    clock.now += 0.9
    assert [s.subscription_id for s in await cache.all()] == ["sub_a"]
    assert await cache.with_secret("sub_b") is None
    assert store.reads == 1
    clock.now += 0.2
    assert [s.subscription_id for s in await cache.all()] == ["sub_a", "sub_b"]
    found = await cache.with_secret("sub_b")
    assert found is not None
    assert found[0].subscription_id == "sub_b"
    assert found[1] == "opened(sealed-b,sub_b)"
    assert store.reads == 2


async def test_concurrent_callers_share_one_read() -> None:
    store = FakeStore()
    cache = SubscriptionCache(store, max_age_s=5.0, clock=Clock())
    results = await asyncio.gather(*(cache.all() for _ in range(20)))
    assert all([s.subscription_id for s in r] == ["sub_a"] for r in results)
    assert store.reads == 1


async def test_zero_max_age_reads_every_time() -> None:
    store = FakeStore()
    cache = SubscriptionCache(store, max_age_s=0.0, clock=Clock())
    await cache.all()
    await cache.with_secret("sub_a")
    assert store.reads == 2


async def test_disabling_a_channel_drops_the_copy() -> None:
    store, clock = FakeStore(), Clock()
    cache = SubscriptionCache(store, max_age_s=60.0, clock=clock)
    await cache.all()
    await cache.disable_channel("sub_a", "ch1", "410")
    await cache.all()
    assert store.disabled == [("sub_a", "ch1", "410")]
    assert store.reads == 2
