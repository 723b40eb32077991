"""Alert rules. Immediate alerts only, for now: death, severe harm, or a serious reportable event."""

from __future__ import annotations

from pso_shared.messages.alerts import Alert
from pso_shared.messages.classified import ClassifiedEvent
from pso_shared.types import HarmDegree, utc_now

IMMEDIATE = "immediate"
_ALERTING_HARM = {HarmDegree.DEATH: "harm: death", HarmDegree.SEVERE: "harm: severe"}


def immediate_alert(event: ClassifiedEvent) -> Alert | None:
    """The immediate alert an event calls for, or ``None``. One per (rule, event): the alert id is
    derived from both, so a redelivered event maps onto the same alert."""
    c = event.classification
    reasons = [_ALERTING_HARM[c.harm_degree]] if c.harm_degree in _ALERTING_HARM else []
    if c.sre.is_sre:
        reasons.append(f"serious reportable event {c.sre.code}" if c.sre.code else "serious reportable event")
    if not reasons:
        return None
    return Alert(
        event_id=event.event_id,
        correlation_id=event.correlation_id,
        revision=event.revision,
        alert_id=f"{IMMEDIATE}:{event.event_id}",
        rule=IMMEDIATE,
        reasons=reasons,
        org_pseudonym=event.org_pseudonym,
        care_setting=event.report.care_setting,
        state=event.report.state,
        primary_category=c.primary_category,
        categories=c.categories,
        harm_degree=c.harm_degree,
        sre_code=c.sre.code,
        summary=event.report.narrative,
        raised_at=utc_now(),
    )
