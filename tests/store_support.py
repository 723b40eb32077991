"""Helpers for tests on the real store."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from pso_shared.apikeys import ApiKeyStore, Role
from pso_shared.messages.raw import RawEvent, SealedRawEvent
from pso_shared.sealing import KeyRing, master_key_from_secret, seal_event, unseal_event
from pso_shared.settings import DEVELOPMENT_SECRET


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


def key_ring(client: AsyncMongoClient[dict[str, Any]], database: str) -> KeyRing:
    """The key ring the services use in tests (the development master key)."""
    return KeyRing(client[database], master_key_from_secret(DEVELOPMENT_SECRET))


async def open_raw_messages(uri: str, database: str, values: list[bytes]) -> list[RawEvent]:
    """Decrypt raw-topic messages as deidentify does."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        ring = key_ring(client, database)
        return [await unseal_event(SealedRawEvent.model_validate_json(v), ring) for v in values]
    finally:
        await client.close()


async def seal_raw_events(uri: str, database: str, events: list[RawEvent]) -> list[bytes]:
    """Raw-topic messages for ``events``, sealed as intake does."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        ring = key_ring(client, database)
        return [(await seal_event(e, ring)).model_dump_json().encode() for e in events]
    finally:
        await client.close()
