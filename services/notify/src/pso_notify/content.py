"""What an alert says to a busy patient-safety officer: its title, the facts at a glance, the e-mail.

Pure functions over ``Alert``. The text and the HTML bodies show the same facts in the same order
(``facts_of``), so a reader of either sees the same thing. Everything shown is de-identified by
construction; the HTML escapes every value so a hostile narrative comes out inert.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from enum import StrEnum
from urllib.parse import quote

from pso_shared.messages.alerts import Alert, AlertKind, Signal
from pso_shared.types import HarmDegree

SUBJECT_PREFIX = "[PSO alert] "
SUBJECT_LIMIT = 200
EVENT_IDS_SHOWN = 25
"""A signal can gather hundreds of events; the mail lists this many and counts the rest."""

_LABELS: dict[str, str] = {
    "healthcare_associated_infection": "healthcare-associated infection",
    "near_miss": "near-miss",
    "ems": "EMS",
    "cross_provider": "cross-provider",
}
_HARM_LABELS = {
    HarmDegree.DEATH: "death",
    HarmDegree.SEVERE: "severe harm",
    HarmDegree.MODERATE: "moderate harm",
    HarmDegree.MILD: "mild harm",
    HarmDegree.NONE: "no harm",
    HarmDegree.UNKNOWN: "harm unknown",
}
_HEADLINE_HARM = {HarmDegree.DEATH: "Death", HarmDegree.SEVERE: "Severe harm"}
_SRE_REASON = "serious reportable event"
_WHITESPACE = re.compile(r"\s+")
_MESSAGE_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def label(value: StrEnum) -> str:
    """The human label of an enumeration value, e.g. ``hospital_inpatient`` -> "hospital inpatient"."""
    if isinstance(value, HarmDegree):
        # "none" and "unknown" mean something else in other enumerations: harm has labels of its own.
        return _HARM_LABELS[value]
    return _LABELS.get(value.value, value.value.replace("_", " "))


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _immediate_title(alert: Alert) -> str:
    heads: list[str] = []
    if alert.harm_degree in _HEADLINE_HARM:
        heads.append(_HEADLINE_HARM[alert.harm_degree])
    if alert.sre_code is not None:
        heads.append(f"{_SRE_REASON} {alert.sre_code.value}")
    elif any(reason.startswith(_SRE_REASON) for reason in alert.reasons):
        heads.append(_SRE_REASON)
    if not heads:
        # A configured condition without a title of its own: its reason is the best headline there is.
        heads.append(alert.reasons[0] if alert.reasons else "alert")
    setting = label(alert.care_setting) + (f" ({alert.state})" if alert.state else "")
    parts = [_capitalised(heads[0]), *heads[1:], label(alert.primary_category), setting]
    return " - ".join(parts)


def _window_length(signal: Signal) -> str:
    seconds = (signal.window_end - signal.window_start).total_seconds()
    days, rest = divmod(round(seconds), 86_400)
    if days and not rest:
        return _plural(days, "day")
    return _plural(max(1, round(seconds / 3600)), "hour")


def _signal_title(alert: Alert, signal: Signal) -> str:
    category = label(signal.category)
    events = f"{signal.event_count} {category} {'event' if signal.event_count == 1 else 'events'}"
    if alert.kind is AlertKind.SPIKE:
        usual = "" if signal.baseline_per_window is None else f" (usual {signal.baseline_per_window:.1f})"
        return f"Spike: {events} in {_window_length(signal)} at {alert.org_pseudonym}{usual}"
    organisations = _plural(len(signal.organisations), "organisation")
    return f"{events} at {organisations}: {signal.subject}"


def title_of(alert: Alert) -> str:
    """The alert's one-line title: the rule's own title when it has one, else built from what it found.

    Args:
        alert: The alert.

    Returns:
        E.g. "Death - fall - hospital inpatient", "3 device events at 2 organisations: model X-100",
        "Spike: 9 medication events in 7 days at org_ab12 (usual 2.0)". Always a single line.
    """
    if alert.title.strip():
        return _one_line(alert.title)
    if alert.signal is not None and alert.kind is not AlertKind.IMMEDIATE:
        return _one_line(_signal_title(alert, alert.signal))
    return _one_line(_immediate_title(alert))


def excerpt(text: str, limit: int = 600) -> str:
    """The narrative on one line, cut at a word boundary so that it fits in ``limit`` characters.

    Args:
        text: The de-identified narrative.
        limit: The most characters returned, the ellipsis included.

    Returns:
        The text with runs of whitespace made single spaces; if still too long, its words up to
        ``limit - 1`` characters and "…". A single word longer than that is cut inside the word.
    """
    flat = _one_line(text)
    if len(flat) <= limit:
        return flat
    room = flat[: max(limit - 1, 0)]
    # Cut at the last space only if the next character starts a new word; else the cut is mid-word.
    if flat[len(room)] != " " and " " in room:
        room = room[: room.rindex(" ")]
    return room.rstrip(" ,;:.-") + "…"


def lookup_of(alert: Alert, link_base: str | None) -> str:
    """Where staff look the alert's event up: a link when a base is configured, else the event id."""
    if link_base:
        return link_base + quote(alert.event_id, safe="")
    return f"event id {alert.event_id}"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _event_ids(signal: Signal) -> str:
    shown = ", ".join(signal.event_ids[:EVENT_IDS_SHOWN])
    hidden = len(signal.event_ids) - EVENT_IDS_SHOWN
    return f"{shown} and {hidden} more" if hidden > 0 else shown


def _signal_facts(alert: Alert, signal: Signal) -> list[tuple[str, str]]:
    facts = [
        ("Signal", signal.subject),
        ("Events", str(signal.event_count)),
        ("Organisations", ", ".join(signal.organisations)),
        ("Window", f"{_when(signal.window_start)} to {_when(signal.window_end)}"),
    ]
    if alert.kind is AlertKind.SPIKE and signal.baseline_per_window is not None:
        facts.append(("Usual per window", f"{signal.baseline_per_window:.1f}"))
    if signal.event_ids:
        facts.append(("Event ids", _event_ids(signal)))
    return facts


def facts_of(alert: Alert) -> list[tuple[str, str]]:
    """The labelled facts of an alert, in the order both bodies show them (not the narrative or lookup)."""
    facts = [("Category", label(alert.primary_category))]
    others = [label(category) for category in alert.categories if category != alert.primary_category]
    if others:
        facts.append(("Other categories", ", ".join(others)))
    facts.append(("Harm", label(alert.harm_degree)))
    if alert.sre_code is not None:
        facts.append(("SRE code", alert.sre_code.value))
    facts.append(("Care setting", label(alert.care_setting)))
    if alert.state is not None:
        facts.append(("State", alert.state))
    facts.append(("Organisation", alert.org_pseudonym))
    if alert.reasons:
        facts.append(("Why", "; ".join(alert.reasons)))
    if alert.signal is not None:
        facts.extend(_signal_facts(alert, alert.signal))
    facts.append(("Raised", _when(alert.raised_at)))
    return facts


def _footer(alert: Alert) -> str:
    return f"Alert {alert.alert_id} (rule {alert.rule})"


def render_text(alert: Alert, *, link_base: str | None) -> str:
    """The plain-text body: title, the facts as aligned lines, the narrative excerpt, the lookup, the ids."""
    facts = facts_of(alert)
    width = max(len(name) for name, _ in facts) + 1
    lines = [title_of(alert), ""]
    lines += [f"{name + ':':<{width}} {_one_line(value)}" for name, value in facts]
    narrative = excerpt(alert.summary)
    if narrative:
        lines += ["", narrative]
    lines += ["", f"Look up: {lookup_of(alert, link_base)}", _footer(alert), ""]
    return "\n".join(lines)


_CELL = "padding:2px 12px 2px 0;vertical-align:top;"
_HTML_BODY = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title></head>\n'
    '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1a1a1a;">\n'
    '<h2 style="font-size:18px;margin:0 0 12px 0;">{title}</h2>\n'
    '<table style="border-collapse:collapse;margin:0 0 12px 0;">\n{rows}\n</table>\n'
    "{narrative}"
    '<p style="margin:0 0 8px 0;">Look up: {lookup}</p>\n'
    '<p style="margin:0;font-size:12px;color:#555555;">{footer}</p>\n'
    "</body></html>\n"
)


def _html_lookup(alert: Alert, link_base: str | None) -> str:
    lookup = html.escape(lookup_of(alert, link_base))
    return f'<a href="{lookup}">{lookup}</a>' if link_base else lookup


def render_html(alert: Alert, *, link_base: str | None) -> str:
    """The HTML body: the same content as ``render_text``, every value escaped, inline styles only."""
    rows = "\n".join(
        f'<tr><th style="{_CELL}text-align:left;">{html.escape(name)}</th>'
        f'<td style="{_CELL}">{html.escape(_one_line(value))}</td></tr>'
        for name, value in facts_of(alert)
    )
    narrative = excerpt(alert.summary)
    return _HTML_BODY.format(
        title=html.escape(title_of(alert)),
        rows=rows,
        narrative=f'<p style="margin:0 0 12px 0;">{html.escape(narrative)}</p>\n' if narrative else "",
        lookup=_html_lookup(alert, link_base),
        footer=html.escape(_footer(alert)),
    )


def subject_of(alert: Alert) -> str:
    """The e-mail subject: the prefix and the title, one line, at most ``SUBJECT_LIMIT`` characters."""
    subject = SUBJECT_PREFIX + title_of(alert)
    if len(subject) <= SUBJECT_LIMIT:
        return subject
    return subject[: SUBJECT_LIMIT - 1].rstrip() + "…"


def message_id_of(message_id: str) -> str:
    """A Message-ID header built from a delivery's id: the same id always gives the same header.

    Characters a Message-ID cannot hold are replaced; a digest of the whole id keeps two ids that only
    differ in those characters apart.
    """
    readable = _MESSAGE_ID_UNSAFE.sub("-", message_id).strip(".-")[:64] or "alert"
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:12]
    return f"<{readable}.{digest}@pso-notify>"


def email_message(alert: Alert, *, sender: str, recipient: str, link_base: str | None, message_id: str) -> EmailMessage:
    """The alert as an e-mail: a plain-text body with an HTML alternative.

    Args:
        alert: The alert.
        sender: The From header, e.g. "PSO safety alerts <alerts@pso.example.org>".
        recipient: The To address.
        link_base: Where staff look events up, or ``None``.
        message_id: A stable id of this delivery, so a resent attempt carries the same Message-ID and
            mail clients can tell it is the same message.

    Returns:
        The message, ready for ``EmailSender.send``.
    """
    message = EmailMessage()
    message["Subject"] = subject_of(alert)
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = format_datetime(alert.raised_at)
    message["Message-ID"] = message_id_of(message_id)
    message["X-PSO-Alert-Id"] = _one_line(alert.alert_id)
    # RFC 3834: tells vacation responders and the like not to answer an automatic alert.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_text(alert, link_base=link_base))
    message.add_alternative(render_html(alert, link_base=link_base), subtype="html")
    return message
