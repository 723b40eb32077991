"""``GET /v1/events/{event_id}``: where an event is, for its own organisation (or the PSO).

Stages come from the store: intake's registry (received), deidentify's ``progress`` (de-identified),
notify's ``events`` (classified) and ``alerts`` (alerted).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from pymongo.asynchronous.database import AsyncDatabase

from pso_intake.registry import ReportRegistry
from pso_shared.apikeys import ApiKey, Role
from pso_shared.http.problems import ProblemError
from pso_shared.messages.classified import Classification
from pso_shared.store import Document, store_errors

Stage = Literal["received", "deidentified", "classified", "alerted"]


class AlertState(BaseModel):
    alert_id: str
    rule: str
    status: str


class EventStatus(BaseModel):
    event_id: str
    revision: int
    """The latest revision intake made durable."""
    stage: Stage
    """The furthest stage the event has reached."""
    stages: dict[Stage, bool]
    processed_revision: int | None = None
    """The revision that was classified (it may lag behind ``revision`` right after an amendment)."""
    classification: Classification | None = None
    alerts: list[AlertState] = []


class EventStatusReader:
    def __init__(self, registry: ReportRegistry, database: AsyncDatabase[Document]) -> None:
        self._registry = registry
        self._events = database["events"]
        self._alerts = database["alerts"]
        self._progress = database["progress"]

    async def status(self, event_id: str, caller: ApiKey) -> EventStatus:
        """The event's status; 404 alike for unknown events and other organisations' events."""
        entry = await self._registry.event(event_id)
        if entry is None or (caller.role is Role.PROVIDER and entry.org_id != caller.org_id):
            raise ProblemError(404, "Not found", "There is no event with this id for this API key.")
        async with store_errors():
            deidentified = await self._progress.find_one({"_id": event_id})
            classified = await self._events.find_one({"_id": event_id}, {"classification": 1, "revision": 1})
            alert = await self._alerts.find_one({"_id": f"immediate:{event_id}"}, {"rule": 1, "status": 1})
        return _status(entry.event_id, entry.revision, deidentified is not None, classified, alert)


def _status(
    event_id: str, revision: int, deidentified: bool, classified: dict[str, Any] | None, alert: dict[str, Any] | None
) -> EventStatus:
    stages: dict[Stage, bool] = {
        "received": True,
        "deidentified": deidentified or classified is not None,
        "classified": classified is not None,
        # Raised and handed to its subscribers' deliveries (notify's ``AlertStatus.FANNED_OUT``).
        "alerted": alert is not None and alert.get("status") == "fanned_out",
    }
    reached = [name for name, done in stages.items() if done]
    return EventStatus(
        event_id=event_id,
        revision=revision,
        stage=reached[-1],
        stages=stages,
        processed_revision=int(classified["revision"]) if classified else None,
        classification=Classification.model_validate(classified["classification"]) if classified else None,
        alerts=[AlertState(alert_id=alert["_id"], rule=alert["rule"], status=alert["status"])] if alert else [],
    )
