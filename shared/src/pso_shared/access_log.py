"""The access log: who read an identifiable record or an audit trail, when, and with what result.

Append-only: this module only inserts and lists, and each entry's ``_id`` is new (a time-ordered
prefix and a random suffix), so an entry is never overwritten. The store itself should enforce it in
production: give the services' database user a role with ``insert`` and ``find`` on
``access_log`` and no ``update``/``remove`` (see the README). A read is recorded before its result
is returned, and if the entry cannot be written the read fails: there is no unrecorded access.

Entries name the caller by API key id (or the operating-system user of a CLI), never a key, and
the record by id: no content of the record is ever copied here.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from pso_shared.apikeys import ApiKey
from pso_shared.logs import current_ids
from pso_shared.store import Document, store_errors
from pso_shared.types import utc_now

COLLECTION = "access_log"

Outcome = Literal["granted", "denied", "not_found"]


class AccessEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    at: datetime = Field(default_factory=utc_now)
    actor: str = Field(max_length=128, description="'key:<key id>' for an API caller, 'cli:<user>' for a command.")
    role: str | None = None
    org_id: str | None = None
    action: str = Field(max_length=64, description="What was read, e.g. 'audit.read' or 'event_status.read'.")
    resource: str = Field(max_length=128, description="Which record, e.g. 'event:<event id>'.")
    outcome: Outcome
    trace_id: str | None = None


def api_access(caller: ApiKey, *, action: str, resource: str, outcome: Outcome) -> AccessEntry:
    """An entry for a read through the API, in the request's trace."""
    return AccessEntry(
        actor=f"key:{caller.key_id}",
        role=caller.role.value,
        org_id=caller.org_id,
        action=action,
        resource=resource,
        outcome=outcome,
        trace_id=current_ids().get("trace_id"),
    )


def _entry_id() -> str:
    """Sorts by time; the random suffix keeps concurrent entries apart."""
    return f"{time.time_ns():020d}-{secrets.token_hex(6)}"


class AccessLog:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._entries = database[COLLECTION]

    async def record(self, entry: AccessEntry) -> None:
        """Append one entry; raises ``StoreUnavailableError`` if it could not be made durable."""
        async with store_errors():
            await self._entries.insert_one({"_id": _entry_id(), **entry.model_dump(mode="json")})

    async def recent(self, *, resource: str | None = None, limit: int = 100) -> list[AccessEntry]:
        """The newest entries first, for one record or for all."""
        query = {"resource": resource} if resource else {}
        async with store_errors():
            found = await self._entries.find(query).sort("_id", DESCENDING).to_list(limit)
        return [AccessEntry.model_validate(f) for f in found]
