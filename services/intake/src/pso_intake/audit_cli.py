"""``pso audit <event_id>``: the event's chain, for an operator with the store and broker credentials.

Configured like intake (``PSO_INTAKE_*``). Each run is recorded in the access log as the operating
system user, before anything is printed.
"""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from pymongo.asynchronous.database import AsyncDatabase

from pso_intake.audit import EventAuditor
from pso_intake.audit_models import AuditTrail, LogPosition
from pso_intake.audit_routes import AUDIT_READ
from pso_intake.cli_store import with_database
from pso_intake.registry import ReportRegistry
from pso_intake.settings import IntakeSettings
from pso_shared.access_log import AccessEntry, AccessLog
from pso_shared.store import Document


async def _audit(database: AsyncDatabase[Document], settings: IntakeSettings, event_id: str) -> AuditTrail | None:
    registry = ReportRegistry(database, wait_s=settings.produce_timeout_s, stale_after_s=settings.claim_stale_after_s)
    trail = await EventAuditor(settings, registry, database).trail(event_id)
    entry = AccessEntry(
        actor=f"cli:{getpass.getuser()}",
        action=AUDIT_READ,
        resource=f"event:{event_id}",
        outcome="granted" if trail else "not_found",
    )
    await AccessLog(database).record(entry)
    return trail


def _at(position: LogPosition) -> str:
    return f"{position.topic}/{position.partition}@{position.offset}"


def render(trail: AuditTrail) -> str:
    """The chain as text, oldest step first within each part."""
    lines = [f"event {trail.event_id}  organisation {trail.org_id}  latest revision {trail.latest_revision}"]
    for r in trail.received:
        lines.append(f"  received   r{r.revision} {r.received_at:%Y-%m-%d %H:%M:%S}Z by key {r.submitted_by or '?'}")
        lines.append(f"             {_at(r.position)}  trace {r.trace_id or '-'}")
    for d in trail.deidentified:
        removed = ", ".join(f"{kind} {n}" for kind, n in sorted(d.removed.items())) or "nothing"
        replay = f"  replay {d.replay}" if d.replay else ""
        lines.append(f"  de-identified r{d.revision} policy {d.policy_version}; removed: {removed}{replay}")
        lines.append(f"             {_at(d.position)}  trace {d.trace_id or '-'}")
    for c in trail.classified:
        replay = f"  replay {c.replay}" if c.replay else ""
        sre = f", SRE {c.sre_code}" if c.sre_code else ""
        lines.append(
            f"  classified r{c.revision} model {c.model_version}: {c.primary_category}, {c.harm_degree}{sre}{replay}"
        )
        lines.extend(
            f"             disagrees on {x.field}: reported {x.reported}, model {x.model} ({x.confidence})"
            for x in c.disagreements
        )
        lines.append(f"             {_at(c.position)}  trace {c.trace_id or '-'}")
    for a in trail.alerts:
        lines.append(f"  alert      {a.alert_id} ({a.kind}, rules {a.rules_version or '?'}) {a.status}: {a.title}")
        for sent in a.deliveries:
            lines.append(
                f"    delivery {sent.channel_type} to {sent.subscriber_org_id} ({sent.subscription_id}): {sent.status}"
            )
            lines.extend(
                f"      {x.at:%Y-%m-%d %H:%M:%S}Z {x.outcome}"
                + (f" {x.status_code}" if x.status_code else "")
                + (f" ({x.reason})" if x.reason else "")
                for x in sent.attempts
            )
    lines.extend(f"  dead letter {x.stage or '?'}: {x.reason or '?'}  {_at(x.position)}" for x in trail.dead_letters)
    lines.append(f"  traces: {', '.join(trail.trace_ids) or '-'}")
    return "\n".join(lines)


def audit(
    event_id: Annotated[str, typer.Argument(help="the event id intake returned")],
    as_json: Annotated[bool, typer.Option("--json", help="print the trail as JSON")] = False,
) -> None:
    """Reconstruct an event's chain from the Kafka log and the store: received, de-identified,
    classified, alerts and delivery attempts, with versions, log positions and trace ids."""
    trail = with_database(lambda database, settings: _audit(database, settings, event_id))
    if trail is None:
        typer.echo(f"Error: no event {event_id} was accepted by intake", err=True)
        raise typer.Exit(code=1)
    typer.echo(trail.model_dump_json(indent=2) if as_json else render(trail))


def access_log(
    event_id: Annotated[str | None, typer.Option("--event", help="only the reads of this event")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """The newest entries of the access log: who read which event's record or audit trail, and when."""
    resource = f"event:{event_id}" if event_id else None
    entries = with_database(lambda database, _: AccessLog(database).recent(resource=resource, limit=limit))
    for e in entries:
        typer.echo(f"{e.at:%Y-%m-%d %H:%M:%S}Z  {e.actor}  {e.role or '-'}  {e.action}  {e.resource}  {e.outcome}")
