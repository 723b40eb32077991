"""API keys for local runs, tests and benchmarks, created straight in the store."""

from __future__ import annotations

import asyncio
from typing import Any

from pymongo import AsyncMongoClient

from pso_shared.apikeys import ApiKeyStore, Role


def create_key(store_uri: str, database: str, *, org_id: str, role: Role, label: str = "local") -> str:
    """Create an API key and return it (the token, shown once)."""

    async def create() -> str:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(store_uri, serverSelectionTimeoutMS=10_000)
        try:
            _, token = await ApiKeyStore(client[database]).create(org_id=org_id, role=role, label=label)
        finally:
            await client.close()
        return token

    return asyncio.run(create())
