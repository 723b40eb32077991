"""Store helpers: the async MongoDB client (FerretDB locally, MongoDB in production)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError

from pso_shared.errors import StoreUnavailableError
from pso_shared.settings import StoreSettings

Document = dict[str, Any]


def create_store_client(settings: StoreSettings) -> AsyncMongoClient[Document]:
    """A client that fails fast, so a store outage becomes a retry instead of a hang."""
    timeout_ms = int(settings.store_timeout_s * 1000)
    return AsyncMongoClient(
        settings.store_uri.get_secret_value(),
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=timeout_ms,
        tz_aware=True,
    )


def store_database(client: AsyncMongoClient[Document], settings: StoreSettings) -> AsyncDatabase[Document]:
    return client[settings.store_database]


@asynccontextmanager
async def store_errors() -> AsyncIterator[None]:
    """Translate connection failures into ``StoreUnavailableError`` (retryable)."""
    try:
        yield
    except (ConnectionFailure, ServerSelectionTimeoutError) as exc:
        raise StoreUnavailableError(type(exc).__name__) from exc
