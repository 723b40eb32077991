"""Intake in-process (its real app, lifespan included) on the real broker and store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from pydantic import SecretStr

from pso_deploy.ferretdb import FerretDBServer
from pso_deploy.kafka import KafkaBroker
from pso_intake.app import create_app
from pso_intake.settings import IntakeSettings
from pso_shared.kafka import ensure_topics


def intake_settings(
    kafka: KafkaBroker, store: FerretDBServer, prefix: str, database: str, **extra: Any
) -> IntakeSettings:
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": kafka.bootstrap_servers,
        "kafka_topic_prefix": prefix,
        "store_uri": SecretStr(store.uri),
        "store_database": database,
        "auth_cache_s": 0,
        "environment": "test",
    }
    return IntakeSettings(**(values | extra))


@asynccontextmanager
async def intake_client(settings: IntakeSettings, key: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a running intake app; with ``key``, every request carries it."""
    await ensure_topics(settings, settings.topics.all_names())
    app = create_app(settings)
    headers = {"authorization": f"Bearer {key}"} if key else {}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://intake", headers=headers, timeout=60) as client,
    ):
        yield client
