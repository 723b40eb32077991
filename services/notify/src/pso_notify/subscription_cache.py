"""Every subscription with its signing secret, read from the store at most once per ``max_age_s``.

Fan-out needs every subscription for each alert, and each delivery needs its subscription and secret:
read per alert and per delivery, that was two store round trips of the dozen an alerting event cost.
A worker reads them all once, then again only when its copy is older than ``max_age_s`` (the
``subscription_cache_s`` setting): a created, changed or deleted subscription takes effect within that
time. A channel this worker disables (a 410) is dropped from its copy at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from pso_notify.subscriptions import Subscription


class SubscriptionSource(Protocol):
    """What the cache reads (``SubscriptionStore``)."""

    async def all_sealed(self) -> list[tuple[Subscription, str]]: ...

    def open_secret(self, sealed: str, subscription_id: str) -> str: ...

    async def disable_channel(self, subscription_id: str, channel_id: str, reason: str) -> None: ...


@dataclass(frozen=True)
class _Snapshot:
    read_at: float
    subscriptions: list[Subscription]
    by_id: dict[str, tuple[Subscription, str]]
    """Each subscription with its sealed secret: one lookup per delivery, not a scan."""


class SubscriptionCache:
    def __init__(
        self, store: SubscriptionSource, *, max_age_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._store = store
        self._max_age_s = max_age_s
        self._clock = clock
        self._snapshot: _Snapshot | None = None
        self._reading = asyncio.Lock()

    async def all(self) -> list[Subscription]:
        """Every subscription, oldest first."""
        return (await self._current()).subscriptions

    async def with_secret(self, subscription_id: str) -> tuple[Subscription, str] | None:
        """The subscription and its signing secret (opened here, so a secret that does not open fails
        only the deliveries that need it)."""
        found = (await self._current()).by_id.get(subscription_id)
        if found is None:
            return None
        subscription, sealed = found
        return subscription, self._store.open_secret(sealed, subscription_id)

    async def disable_channel(self, subscription_id: str, channel_id: str, reason: str) -> None:
        await self._store.disable_channel(subscription_id, channel_id, reason)
        self._snapshot = None

    async def _current(self) -> _Snapshot:
        snapshot = self._fresh()
        if snapshot is not None:
            return snapshot
        async with self._reading:  # one read for every caller that found the copy stale at once
            snapshot = self._fresh()
            if snapshot is None:
                read_at = self._clock()
                found = await self._store.all_sealed()
                snapshot = _Snapshot(
                    read_at=read_at,
                    subscriptions=[s for s, _ in found],
                    by_id={s.subscription_id: (s, sealed) for s, sealed in found},
                )
                self._snapshot = snapshot
            return snapshot

    def _fresh(self) -> _Snapshot | None:
        snapshot = self._snapshot
        if snapshot is None or self._clock() - snapshot.read_at >= self._max_age_s:
            return None
        return snapshot
