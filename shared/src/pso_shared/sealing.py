"""Envelope encryption of identifiable reports on the raw topic (AES-256-GCM, ``cryptography``).

Each provider organisation has one data key. Data keys are stored in the store (``data_keys``) only
wrapped by the master key, which comes from settings (an environment variable or a file), never from
code. A raw message carries the id of the data key and the encrypted report; the event id and
revision are the authenticated data, so a ciphertext cannot be moved to another message.

Crypto-shredding: ``shred(org_id)`` deletes the organisation's wrapped data keys, after which its raw
messages can no longer be decrypted by anyone. A later report from that organisation gets a new key.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from pso_shared.errors import PermanentError
from pso_shared.messages.raw import RawEvent, SealedPayload, SealedRawEvent
from pso_shared.report import EventReport
from pso_shared.report import report_json as dump_report
from pso_shared.store import Document, store_errors
from pso_shared.types import utc_now

COLLECTION = "data_keys"
_NONCE_BYTES = 12


class SealingError(PermanentError):
    """A sealed payload cannot be opened: its key was shredded, or it was altered."""


def master_key_from_secret(secret: str) -> bytes:
    """The 256-bit master key: the SHA-256 of the configured secret (use at least 32 random bytes)."""
    return hashlib.sha256(secret.encode()).digest()


@dataclass(frozen=True)
class _DataKey:
    key_id: str
    key: bytes


class KeyRing:
    """The organisations' data keys: created on first use, unwrapped once and cached."""

    def __init__(self, database: AsyncDatabase[Document], master_key: bytes) -> None:
        self._keys = database[COLLECTION]
        self._master = AESGCM(master_key)
        self._by_org: dict[str, _DataKey] = {}
        self._by_id: dict[str, bytes] = {}

    async def seal(self, org_id: str, plaintext: bytes, associated: bytes) -> SealedPayload:
        data_key = await self._active_key(org_id)
        nonce = os.urandom(_NONCE_BYTES)
        ciphertext = AESGCM(data_key.key).encrypt(nonce, plaintext, associated)
        return SealedPayload(key_id=data_key.key_id, nonce=_b64(nonce), ciphertext=_b64(ciphertext))

    async def unseal(self, sealed: SealedPayload, associated: bytes) -> bytes:
        key = await self._key_by_id(sealed.key_id)
        try:
            return AESGCM(key).decrypt(_unb64(sealed.nonce), _unb64(sealed.ciphertext), associated)
        except InvalidTag:
            msg = "sealed report failed authentication (altered, or moved from another message)"
            raise SealingError(msg) from None

    async def shred(self, org_id: str) -> int:
        """Destroy every data key of ``org_id``; returns how many were destroyed."""
        async with store_errors():
            result = await self._keys.delete_many({"org_id": org_id})
            await self._keys.delete_one({"_id": _active_id(org_id)})
        self._by_org.pop(org_id, None)
        self._by_id.clear()
        return int(result.deleted_count)

    async def _active_key(self, org_id: str) -> _DataKey:
        cached = self._by_org.get(org_id)
        if cached is not None:
            return cached
        async with store_errors():
            pointer = await self._keys.find_one({"_id": _active_id(org_id)})
            if pointer is None:
                pointer = await self._create(org_id)
        key = await self._key_by_id(str(pointer["key_id"]))
        self._by_org[org_id] = _DataKey(key_id=str(pointer["key_id"]), key=key)
        return self._by_org[org_id]

    async def _create(self, org_id: str) -> dict[str, Any]:
        key_id, key = secrets.token_hex(8), AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(_NONCE_BYTES)
        wrapped = self._master.encrypt(nonce, key, key_id.encode())
        document = {"_id": _key_doc_id(key_id), "org_id": org_id, "nonce": _b64(nonce), "wrapped": _b64(wrapped)}
        await self._keys.insert_one(document | {"created_at": utc_now().isoformat()})
        pointer = {"_id": _active_id(org_id), "key_id": key_id}
        try:
            await self._keys.insert_one(pointer)
        except DuplicateKeyError:  # another worker created the organisation's key first: use theirs
            await self._keys.delete_one({"_id": document["_id"]})
            found = await self._keys.find_one({"_id": _active_id(org_id)})
            assert found is not None  # noqa: S101 - the duplicate proves it exists
            return found
        return pointer

    async def _key_by_id(self, key_id: str) -> bytes:
        cached = self._by_id.get(key_id)
        if cached is not None:
            return cached
        async with store_errors():
            found = await self._keys.find_one({"_id": _key_doc_id(key_id)})
        if found is None:
            msg = "the data key of this report was shredded: it can no longer be decrypted"
            raise SealingError(msg)
        try:
            key = self._master.decrypt(_unb64(found["nonce"]), _unb64(found["wrapped"]), key_id.encode())
        except InvalidTag:
            msg = "a data key could not be unwrapped: the master key is not the one it was wrapped with"
            raise SealingError(msg) from None
        self._by_id[key_id] = key
        return key


def _active_id(org_id: str) -> str:
    return f"active:{org_id}"


def _key_doc_id(key_id: str) -> str:
    return f"key:{key_id}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


def associated_data(event_id: str, revision: int) -> bytes:
    """What a sealed report is bound to: its event and revision."""
    return f"{event_id}/{revision}".encode()


async def seal_event(event: RawEvent, ring: KeyRing, *, report_json: bytes | None = None) -> SealedRawEvent:
    """The raw topic's message for ``event``: everything of the report encrypted.

    ``report_json``: the report already serialised, if the caller has it (it is not checked)."""
    plaintext = report_json if report_json is not None else dump_report(event.report)
    sealed = await ring.seal(event.report.provider.org_id, plaintext, associated_data(event.event_id, event.revision))
    return SealedRawEvent(
        event_id=event.event_id,
        correlation_id=event.correlation_id,
        revision=event.revision,
        produced_at=event.produced_at,
        received_at=event.received_at,
        sealed_report=sealed,
    )


async def unseal_event(message: SealedRawEvent, ring: KeyRing) -> RawEvent:
    plaintext = await ring.unseal(message.sealed_report, associated_data(message.event_id, message.revision))
    return RawEvent(
        event_id=message.event_id,
        correlation_id=message.correlation_id,
        revision=message.revision,
        produced_at=message.produced_at,
        received_at=message.received_at,
        report=EventReport.model_validate_json(plaintext),
    )
