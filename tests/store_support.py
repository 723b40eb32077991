"""Helpers for tests on the real store."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from pso_shared.apikeys import ApiKeyStore, Role


async def create_api_key(uri: str, database: str, *, org_id: str, role: Role = Role.PROVIDER) -> str:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        _, token = await ApiKeyStore(client[database]).create(org_id=org_id, role=role, label="test")
    finally:
        await client.close()
    return token


async def revoke_api_key(uri: str, database: str, token: str) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        await ApiKeyStore(client[database]).revoke(token.split("_")[1])
    finally:
        await client.close()
