"""API keys: one provider organisation and one role each, stored only as hashes.

A key is ``pso_<key id>_<secret>``: 16 hex digits that name it (to list and revoke it) and 256 random
bits. Only the SHA-256 of the whole key is stored, as the document's ``_id``. A slow password hash
would add nothing: the secret is random and as long as the hash, so it cannot be guessed from a
stolen hash, and each request can be checked with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from pymongo.asynchronous.database import AsyncDatabase

from pso_shared.store import Document, store_errors
from pso_shared.types import OrgId, utc_now

COLLECTION = "api_keys"
KEY_PATTERN = re.compile(r"^pso_(?P<key_id>[0-9a-f]{16})_[A-Za-z0-9_-]{43}$")


class Role(StrEnum):
    PROVIDER = "provider"
    PSO_ANALYST = "pso_analyst"
    PSO_ADMIN = "pso_admin"


class ApiKey(BaseModel):
    """What is known about a key; never the key itself."""

    model_config = ConfigDict(frozen=True)

    key_id: str
    org_id: OrgId
    role: Role
    label: str = ""
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A new key and its id."""
    key_id = secrets.token_hex(8)
    return f"pso_{key_id}_{secrets.token_urlsafe(32)}", key_id


class ApiKeyStore:
    """The ``api_keys`` collection."""

    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._keys = database[COLLECTION]

    async def create(self, *, org_id: str, role: Role, label: str = "") -> tuple[ApiKey, str]:
        """Create a key; the returned token is shown once and never stored."""
        token, key_id = new_token()
        key = ApiKey(key_id=key_id, org_id=org_id, role=role, label=label, created_at=utc_now())
        async with store_errors():
            await self._keys.insert_one({"_id": hash_key(token), **key.model_dump(mode="json")})
        return key, token

    async def authenticate(self, token: str) -> ApiKey | None:
        """The active key ``token`` is, or ``None`` (unknown, malformed or revoked)."""
        if not KEY_PATTERN.match(token):
            return None
        async with store_errors():
            found = await self._keys.find_one({"_id": hash_key(token)})
        key = _key(found) if found else None
        return key if key is not None and key.active else None

    async def list(self, *, org_id: str | None = None) -> list[ApiKey]:
        query = {"org_id": org_id} if org_id else {}
        async with store_errors():
            found = await self._keys.find(query).sort("created_at").to_list()
        return [_key(d) for d in found]

    async def revoke(self, key_id: str) -> ApiKey | None:
        """Revoke a key by its id; revoking twice keeps the first time. ``None`` if unknown."""
        async with store_errors():
            found = await self._keys.find_one({"key_id": key_id})
            if found is None:
                return None
            if found.get("revoked_at") is None:
                revoked = {"revoked_at": utc_now().isoformat()}
                await self._keys.update_one({"_id": found["_id"]}, {"$set": revoked})
                found = await self._keys.find_one({"_id": found["_id"]})
        return _key(found) if found else None


def _key(document: dict[str, Any]) -> ApiKey:
    return ApiKey.model_validate({k: v for k, v in document.items() if k != "_id"})
