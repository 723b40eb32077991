"""The ``subscriptions`` collection, with webhook signing secrets encrypted at rest.

A subscription's signing secret is encrypted with AES-256-GCM under a key derived from the
``secrets_key`` setting, with the subscription id as authenticated data, so a copied ciphertext does
not open under another subscription. The API shows the secret once, at creation.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pymongo.asynchronous.database import AsyncDatabase

from pso_notify.subscriptions import Channel, ChannelStatus, Subscription
from pso_shared.errors import PermanentError
from pso_shared.store import Document, store_errors
from pso_shared.types import utc_now

COLLECTION = "subscriptions"
_NONCE_BYTES = 12


class SecretUnavailableError(PermanentError):
    """A stored signing secret does not open: the secrets key changed, or the record was altered."""


class SecretBox:
    def __init__(self, secret: str) -> None:
        self._aead = AESGCM(hashlib.sha256(b"pso-notify-subscription-secrets\0" + secret.encode()).digest())

    def seal(self, plaintext: str, subscription_id: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), subscription_id.encode())
        return base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str, subscription_id: str) -> str:
        raw = base64.b64decode(sealed)
        try:
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], subscription_id.encode()).decode()
        except InvalidTag as exc:
            msg = f"the signing secret of subscription {subscription_id} cannot be opened with this secrets key"
            raise SecretUnavailableError(msg) from exc


class SubscriptionStore:
    def __init__(self, database: AsyncDatabase[Document], box: SecretBox) -> None:
        self._subscriptions = database[COLLECTION]
        self._box = box

    async def insert(self, subscription: Subscription, signing_secret: str) -> None:
        document = _document(subscription) | {
            "signing_secret": self._box.seal(signing_secret, subscription.subscription_id)
        }
        async with store_errors():
            await self._subscriptions.insert_one(document)

    async def get(self, subscription_id: str) -> Subscription | None:
        async with store_errors():
            found = await self._subscriptions.find_one({"_id": subscription_id})
        return _subscription(found) if found else None

    async def with_secret(self, subscription_id: str) -> tuple[Subscription, str] | None:
        """The subscription and its signing secret, in one read (the delivery loop needs both)."""
        async with store_errors():
            found = await self._subscriptions.find_one({"_id": subscription_id})
        if found is None:
            return None
        return _subscription(found), self._box.open(str(found["signing_secret"]), subscription_id)

    async def all_sealed(self) -> list[tuple[Subscription, str]]:
        """Every subscription, oldest first, with its signing secret still sealed (``open_secret``)."""
        async with store_errors():
            found = await self._subscriptions.find({}).sort("created_at").to_list(None)
        return [(_subscription(d), str(d["signing_secret"])) for d in found]

    def open_secret(self, sealed: str, subscription_id: str) -> str:
        return self._box.open(sealed, subscription_id)

    async def of_owner(self, owner_org_id: str | None, *, limit: int = 1000) -> list[Subscription]:
        """The owner's subscriptions (everyone's when ``None``), oldest first."""
        query = {"owner_org_id": owner_org_id} if owner_org_id is not None else {}
        async with store_errors():
            found = await self._subscriptions.find(query, {"signing_secret": 0}).sort("created_at").to_list(limit)
        return [_subscription(d) for d in found]

    async def count(self, owner_org_id: str) -> int:
        async with store_errors():
            return await self._subscriptions.count_documents({"owner_org_id": owner_org_id})

    async def replace(self, subscription: Subscription) -> None:
        """Store an updated subscription, keeping its signing secret."""
        async with store_errors():
            await self._subscriptions.update_one(
                {"_id": subscription.subscription_id}, {"$set": _document(subscription)}
            )

    async def delete(self, subscription_id: str) -> bool:
        async with store_errors():
            result = await self._subscriptions.delete_one({"_id": subscription_id})
        return result.deleted_count == 1

    async def disable_channel(self, subscription_id: str, channel_id: str, reason: str) -> None:
        """Stop delivering to one channel (a receiver answered 410 Gone). Idempotent."""
        subscription = await self.get(subscription_id)
        if subscription is None:
            return
        now = utc_now()
        channels = [
            c.model_copy(update={"status": ChannelStatus.DISABLED, "disabled_reason": reason, "disabled_at": now})
            if c.channel_id == channel_id and c.status is ChannelStatus.ACTIVE
            else c
            for c in subscription.channels
        ]
        await self.replace(subscription.model_copy(update={"channels": channels, "updated_at": now}))


def _document(subscription: Subscription) -> dict[str, Any]:
    return {"_id": subscription.subscription_id, **subscription.model_dump(mode="json")}


def _subscription(document: dict[str, Any]) -> Subscription:
    return Subscription.model_validate({k: v for k, v in document.items() if k not in {"_id", "signing_secret"}})


def channel_of(subscription: Subscription, channel_id: str) -> Channel | None:
    return next((c for c in subscription.channels if c.channel_id == channel_id), None)
