"""The alert rules as versioned configuration: a YAML file, validated when notify starts.

The packaged ``default_rules.yaml`` applies unless ``PSO_NOTIFY_RULES_FILE`` names another. An invalid
file stops the service at start-up with the field and the reason; a running worker that finds its
file changed and invalid keeps the rules it has (see ``RulesSource``).
"""

from __future__ import annotations

import logging
import time
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pso_shared.errors import PermanentError
from pso_shared.types import CareSetting, Category, HarmDegree, SreCode
from pso_shared.validation import field_path

logger = logging.getLogger(__name__)

RuleName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class Subject(StrEnum):
    """What cross-provider events must share besides their category."""

    DEVICE_MODEL = "device_model"
    MEDICATION = "medication"


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Config):
    """An extra immediate rule: every field given must hold (lists: any of their values)."""

    name: RuleName
    title: str = Field(min_length=1, max_length=200)
    categories: list[Category] = Field(default_factory=list)
    """The event has at least one of these categories."""
    harm_at_least: HarmDegree | None = None
    sre_codes: list[SreCode] = Field(default_factory=list)
    care_settings: list[CareSetting] = Field(default_factory=list)
    states: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = Field(default_factory=list)
    narrative_contains: list[Annotated[str, Field(min_length=3, max_length=100)]] = Field(default_factory=list)
    """Any of these words or phrases, case-insensitive, in the de-identified narrative."""

    @model_validator(mode="after")
    def _has_a_condition(self) -> Condition:
        if not (
            self.categories
            or self.harm_at_least
            or self.sre_codes
            or self.care_settings
            or self.states
            or self.narrative_contains
        ):
            msg = "a condition needs at least one of categories, harm_at_least, sre_codes, ..."
            raise ValueError(msg)
        return self


class ImmediateRules(_Config):
    death: bool = True
    severe_harm: bool = True
    sre: bool = True
    conditions: list[Condition] = Field(default_factory=list)


class CrossProviderRule(_Config):
    """At least ``min_events`` events of one category and one device model or medication, at
    ``min_organisations`` distinct organisations or more, within ``window_days``."""

    enabled: bool = True
    min_events: int = Field(default=3, ge=2, le=1000)
    min_organisations: int = Field(default=2, ge=2, le=1000)
    window_days: int = Field(default=30, ge=1, le=365)
    subjects: list[Subject] = Field(default_factory=lambda: [Subject.DEVICE_MODEL, Subject.MEDICATION])

    @model_validator(mode="after")
    def _organisations_fit_events(self) -> CrossProviderRule:
        if self.min_organisations > self.min_events:
            msg = "min_organisations cannot exceed min_events"
            raise ValueError(msg)
        return self


class SpikeRule(_Config):
    """One organisation's events of a category in the last ``window_days`` at least ``factor`` times
    its mean over the ``baseline_windows`` windows before, and at least ``min_events``."""

    enabled: bool = True
    window_days: int = Field(default=7, ge=1, le=90)
    baseline_windows: int = Field(default=4, ge=1, le=52)
    factor: float = Field(default=3.0, ge=1.0, le=100.0)
    min_events: int = Field(default=5, ge=1, le=10_000)


class SignalRules(_Config):
    cross_provider: CrossProviderRule = CrossProviderRule()
    spike: SpikeRule = SpikeRule()


class RulesConfig(_Config):
    """The whole rules file."""

    version: str = Field(min_length=1, max_length=64, description="Recorded on every alert the rules raise.")
    immediate: ImmediateRules = ImmediateRules()
    signals: SignalRules = SignalRules()

    @model_validator(mode="after")
    def _unique_condition_names(self) -> RulesConfig:
        names = [c.name for c in self.immediate.conditions]
        if len(names) != len(set(names)):
            msg = "condition names must be unique"
            raise ValueError(msg)
        return self


class RulesFileError(PermanentError):
    """The rules file is missing, not YAML, or not valid rules."""


def parse_rules(text: str, *, source: str) -> RulesConfig:
    """Validate a rules document; the error names the file, each field and the reason."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        msg = f"{source}: not valid YAML ({type(exc).__name__})"
        raise RulesFileError(msg) from exc
    try:
        return RulesConfig.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(f"{field_path(tuple(e['loc']))}: {e['msg']}" for e in exc.errors())
        msg = f"{source}: invalid rules: {problems}"
        raise RulesFileError(msg) from exc


def default_rules_text() -> str:
    return resources.files("pso_notify").joinpath("default_rules.yaml").read_text(encoding="utf-8")


def load_rules(path: Path | None) -> RulesConfig:
    """The rules in ``path``, or the packaged defaults."""
    if path is None:
        return parse_rules(default_rules_text(), source="default_rules.yaml")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"{path}: cannot read the rules file ({type(exc).__name__})"
        raise RulesFileError(msg) from exc
    return parse_rules(text, source=str(path))


class RulesSource:
    """The rules in force, re-read when their file changes (checked at most every ``check_every_s``).

    A changed file that does not validate is logged with its reason and ignored: the worker keeps
    alerting on the last good rules rather than stopping.
    """

    def __init__(self, path: Path | None, *, check_every_s: float) -> None:
        self._path = path
        self._check_every_s = check_every_s
        self._rules = load_rules(path)
        self._stamp = self._file_stamp()
        self._checked_at = time.monotonic()

    def current(self) -> RulesConfig:
        now = time.monotonic()
        if self._path is not None and now - self._checked_at >= self._check_every_s:
            self._checked_at = now
            stamp = self._file_stamp()
            if stamp != self._stamp:
                self._stamp = stamp
                self._reload()
        return self._rules

    def _reload(self) -> None:
        try:
            rules = load_rules(self._path)
        except RulesFileError as exc:
            problem = str(exc)
        else:
            logger.info("rules reloaded: version %s (was %s)", rules.version, self._rules.version)
            self._rules = rules
            return
        logger.error("rules file changed but is invalid; keeping version %s: %s", self._rules.version, problem)

    def _file_stamp(self) -> tuple[float, int] | None:
        if self._path is None:
            return None
        try:
            status = self._path.stat()
        except OSError:
            return None
        return (status.st_mtime, status.st_size)
