"""Topic names and their layout. Every name can be prefixed so tests get topics of their own."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Topic(StrEnum):
    RAW = "pso.events.raw.v1"
    DEIDENTIFIED = "pso.events.deidentified.v1"
    CLASSIFIED = "pso.events.classified.v1"
    ALERTS = "pso.alerts.v1"
    SIGNALS = "pso.notify.signals.v1"
    """Notify's own: classified events as observations, keyed by signal, for the windowed tables."""

    @property
    def dead_letter(self) -> str:
        """The dead-letter topic of the stage that consumes this topic."""
        return f"{self.value}.dlq"


@dataclass(kw_only=True, frozen=True)
class TopicNames:
    """The concrete topic names for one deployment (or one test)."""

    prefix: str = ""

    def name(self, topic: Topic) -> str:
        return f"{self.prefix}{topic.value}"

    def dead_letter(self, topic: Topic) -> str:
        return f"{self.prefix}{topic.dead_letter}"

    def all_names(self) -> list[str]:
        """Every topic the pipeline uses, dead-letter topics included."""
        names = [self.name(t) for t in Topic]
        names += [self.dead_letter(t) for t in (Topic.RAW, Topic.DEIDENTIFIED, Topic.CLASSIFIED, Topic.SIGNALS)]
        return names

    def retention(self, *, raw_retention_ms: int) -> dict[str, dict[str, str]]:
        """Every topic's retention, set explicitly rather than left to the broker's defaults.

        The log is the audit trail: derived topics, alerts, observations and dead letters are kept
        (``retention.ms`` -1, no size limit). The raw topic holds identifiable reports, encrypted per
        organisation (crypto-shredding makes a report unreadable when its organisation's key is
        destroyed); it is kept too unless ``raw_retention_ms`` limits it.
        """
        keep = {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}
        configs = {name: dict(keep) for name in self.all_names()}
        configs[self.name(Topic.RAW)]["retention.ms"] = str(raw_retention_ms)
        return configs
