"""Immediate alert rules: one event serious on its own (death, severe harm, an SRE, a configured condition).

All immediate rules an event meets make one alert (rule ``immediate``) with one reason each, so a busy
safety officer gets one message per event. Its id is derived from the rule and the event, so a
redelivered or amended event maps onto the alert already raised.
"""

from __future__ import annotations

from pso_notify.content import excerpt, title_of
from pso_notify.rules_config import Condition, ImmediateRules
from pso_notify.subscriptions import harm_at_least
from pso_shared.messages.alerts import Alert, AlertKind
from pso_shared.messages.classified import ClassifiedEvent
from pso_shared.types import HarmDegree

IMMEDIATE = "immediate"
EXCERPT_CHARS = 1000


def immediate_reasons(event: ClassifiedEvent, rules: ImmediateRules) -> list[str]:
    c = event.classification
    reasons = []
    if rules.death and c.harm_degree is HarmDegree.DEATH:
        reasons.append("harm: death")
    if rules.severe_harm and c.harm_degree is HarmDegree.SEVERE:
        reasons.append("harm: severe")
    if rules.sre and c.sre.is_sre:
        reasons.append(f"serious reportable event {c.sre.code}" if c.sre.code else "serious reportable event")
    reasons += [f"{condition.name}: {condition.title}" for condition in rules.conditions if holds(condition, event)]
    return reasons


def holds(condition: Condition, event: ClassifiedEvent) -> bool:
    c = event.classification
    narrative = event.report.narrative.casefold()
    checks = (
        not condition.categories or any(category in condition.categories for category in c.categories),
        condition.harm_at_least is None or harm_at_least(c.harm_degree, condition.harm_at_least),
        not condition.sre_codes or c.sre.code in condition.sre_codes,
        not condition.care_settings or event.report.care_setting in condition.care_settings,
        not condition.states or event.report.state in condition.states,
        not condition.narrative_contains or any(w.casefold() in narrative for w in condition.narrative_contains),
    )
    return all(checks)


def immediate_alert(event: ClassifiedEvent, rules: ImmediateRules, rules_version: str) -> Alert | None:
    """The immediate alert an event calls for, or ``None``."""
    reasons = immediate_reasons(event, rules)
    if not reasons:
        return None
    c = event.classification
    alert = Alert(
        event_id=event.event_id,
        correlation_id=event.correlation_id,
        revision=event.revision,
        received_at=event.received_at,
        alert_id=f"{IMMEDIATE}:{event.event_id}",
        rule=IMMEDIATE,
        rules_version=rules_version,
        kind=AlertKind.IMMEDIATE,
        reasons=reasons,
        org_pseudonym=event.org_pseudonym,
        care_setting=event.report.care_setting,
        state=event.report.state,
        primary_category=c.primary_category,
        categories=c.categories,
        harm_degree=c.harm_degree,
        sre_code=c.sre.code,
        summary=excerpt(event.report.narrative, EXCERPT_CHARS),
        raised_at=event.produced_at,
    )
    return alert.model_copy(update={"title": title_of(alert)})
