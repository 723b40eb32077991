"""HL7 FHIR R4 ``AdverseEvent`` onto the v1 report (parsed with ``fhir.resources``, R4B models).

The organisation comes from the API key (FHIR carries no PSO ``org_id``). The referenced ``subject``,
``recorder``, ``location`` and ``suspectEntity`` must be contained resources (``#id``). Mapping:

=============================================  ===============================================
FHIR                                           v1 report
=============================================  ===============================================
``identifier.value`` (else ``id``)             ``report_id``
``actuality`` actual / potential               ``report_type`` incident / near_miss
``category`` (adverse-event-category codes,    ``categories``: medication (wrong-dose, wrong-rate,
or ``urn:pso:category`` codes)                 ...), device (product and device problems), or ours
``outcome`` fatal; ``severity``;               ``harm.degree`` death; severe / moderate / mild;
``outcome`` resolved without severity          none; otherwise unknown
``date`` / ``detected`` / ``recordedDate``     ``occurred_at`` / ``discovered_at`` / ``reported_at``
``text.div`` (tags removed), else ``event``    ``narrative``
contained Patient                              ``patient`` (name, MRN identifier, birth date,
                                               sex, phone, e-mail, address, ZIP)
contained Practitioner (``recorder``)          ``reporter`` (name, phone, e-mail)
contained Location                             ``location`` (name), ``provider.care_setting``
contained Medication / Device                  ``medication`` (name, RxNorm) / ``device``
=============================================  ===============================================
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from fhir.resources.R4B.adverseevent import AdverseEvent
from pydantic import ValidationError

from pso_shared.http.problems import ProblemError
from pso_shared.report import EventReport
from pso_shared.validation import FieldProblem, problems_of

FHIR_JSON = "application/fhir+json"
_MEDICATION_CODES = {
    "wrong-dose", "wrong-rate", "wrong-duration", "wrong-time", "wrong-route-of-administration",
    "incorrect-prescribing-information", "expired-drug", "wrong-technique",
}  # fmt: skip
_DEVICE_CODES = {"medical-device-use-error", "product-problem", "product-quality", "problem-different-manufacturer"}
_PSO_CATEGORY_SYSTEM = "urn:pso:category"
_SEVERITY = {"severe": "severe", "moderate": "moderate", "mild": "mild"}
_CARE_SETTINGS = {
    "HOSP": "hospital_inpatient", "ICU": "hospital_inpatient", "ER": "emergency_department",
    "ETU": "emergency_department", "PHARM": "pharmacy", "NCCF": "nursing_home", "SNF": "nursing_home",
    "AMB": "ambulatory", "OF": "ambulatory", "PTRES": "home_health", "PSY": "behavioral_health",
}  # fmt: skip
_TAG = re.compile(r"<[^>]+>")


def report_from_fhir(body: bytes, *, org_id: str) -> EventReport:
    """Parse an AdverseEvent and map it; 422 with field paths when either step fails."""
    _check_kind(body)
    try:
        event = AdverseEvent.model_validate_json(body)
    except ValidationError as exc:
        msg = "The body is not a valid FHIR R4 AdverseEvent."
        raise _invalid(msg, problems_of(exc)) from None
    contained = {f"#{r.id}": r for r in event.contained or [] if getattr(r, "id", None)}
    fields = _mapped(event, contained, org_id)
    try:
        return EventReport.model_validate(_without_empty(fields))
    except ValidationError as exc:
        errors = [FieldProblem(field=f"(mapped) {p.field}", reason=p.reason) for p in problems_of(exc)]
        msg = "The AdverseEvent does not map onto a valid v1 report."
        raise _invalid(msg, errors) from None


def _check_kind(body: bytes) -> None:
    """What the FHIR models leave open: the resource type and ``actuality``'s two values."""
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        msg = "The body is not valid JSON."
        raise _invalid(msg, [FieldProblem(field="(body)", reason="invalid JSON")]) from None
    if not isinstance(document, dict) or document.get("resourceType") != "AdverseEvent":
        problem = FieldProblem(field="resourceType", reason="must be 'AdverseEvent'")
        msg = "Only AdverseEvent resources are accepted."
        raise _invalid(msg, [problem])
    if document.get("actuality") not in ("actual", "potential"):  # a tuple: the value may be unhashable
        problem = FieldProblem(field="actuality", reason="must be 'actual' or 'potential'")
        msg = "The AdverseEvent's actuality is missing or unknown."
        raise _invalid(msg, [problem])


def _mapped(event: AdverseEvent, contained: dict[str, Any], org_id: str) -> dict[str, Any]:
    location = _resolve(contained, event.location, "location", "Location")
    return {
        "schema_version": "1",
        "report_id": (event.identifier.value if event.identifier else None) or event.id,
        "provider": {"org_id": org_id, "care_setting": _care_setting(location)},
        "report_type": "incident" if event.actuality == "actual" else "near_miss",
        "categories": _categories(event),
        "occurred_at": _iso(event.date),
        "discovered_at": _iso(event.detected),
        "reported_at": _iso(event.recordedDate),
        "location": location.name if location else None,
        "narrative": _narrative(event),
        "patient": _patient(_resolve(contained, event.subject, "subject", "Patient")),
        "harm": {"degree": _harm(event)},
        "reporter": _reporter(_resolve(contained, event.recorder, "recorder", "Practitioner")),
        **_suspects(event, contained),
    }


def _resolve(contained: dict[str, Any], reference: Any, field: str, *types: str) -> Any:
    if reference is None:
        return None
    found = contained.get(reference.reference or "")
    if found is None or type(found).__name__ not in types:
        reason = f"must reference a contained {' or '.join(types)} ('#id')"
        msg = "A referenced resource is not contained."
        raise _invalid(msg, [FieldProblem(field=field, reason=reason)])
    return found


def _categories(event: AdverseEvent) -> list[str]:
    found: list[str] = []
    for concept in event.category or []:
        for coding in concept.coding or []:
            code = coding.code or ""
            if coding.system == _PSO_CATEGORY_SYSTEM:
                found.append(code)
            elif code in _MEDICATION_CODES:
                found.append("medication")
            elif code in _DEVICE_CODES:
                found.append("device")
    return list(dict.fromkeys(found))


def _harm(event: AdverseEvent) -> str:
    outcome = _code(event.outcome)
    severity = _code(event.severity)
    if outcome == "fatal":
        return "death"
    if severity in _SEVERITY:
        return _SEVERITY[severity]
    return "none" if outcome == "resolved" else "unknown"


def _narrative(event: AdverseEvent) -> str | None:
    if event.text is not None and event.text.div:
        text = html.unescape(_TAG.sub(" ", event.text.div))
        return " ".join(text.split()) or None
    return event.event.text if event.event is not None else None


def _patient(patient: Any) -> dict[str, Any] | None:
    if patient is None:
        return None
    address = (patient.address or [None])[0]
    return {
        "name": _human_name(patient.name),
        "mrn": next((i.value for i in patient.identifier or [] if _code(i.type) == "MR"), None),
        "date_of_birth": patient.birthDate.isoformat() if patient.birthDate else None,
        "sex": patient.gender if patient.gender in {"female", "male", "other", "unknown"} else None,
        "address": " ".join(address.line or []) or None if address else None,
        "zip": address.postalCode if address else None,
        "phone": _telecom(patient.telecom, "phone"),
        "email": _telecom(patient.telecom, "email"),
    }


def _reporter(practitioner: Any) -> dict[str, Any] | None:
    if practitioner is None:
        return None
    telecom = practitioner.telecom
    return {
        "name": _human_name(practitioner.name),
        "phone": _telecom(telecom, "phone"),
        "email": _telecom(telecom, "email"),
    }


def _suspects(event: AdverseEvent, contained: dict[str, Any]) -> dict[str, Any]:
    mapped: dict[str, Any] = {}
    for index, suspect in enumerate(event.suspectEntity or []):
        resource = _resolve(contained, suspect.instance, f"suspectEntity[{index}].instance", "Medication", "Device")
        if type(resource).__name__ == "Medication" and "medication" not in mapped:
            codings = resource.code.coding or [] if resource.code else []
            rxnorm = next((c.code for c in codings if "rxnorm" in (c.system or "")), None)
            name = next((c.display for c in codings if c.display), None) or (
                resource.code.text if resource.code else None
            )
            mapped["medication"] = {"name": name, "rxnorm": rxnorm}
        elif type(resource).__name__ == "Device" and "device" not in mapped:
            udi = (resource.udiCarrier or [None])[0]
            mapped["device"] = {
                "name": (resource.deviceName or [None])[0].name if resource.deviceName else None,
                "manufacturer": resource.manufacturer,
                "model": resource.modelNumber,
                "serial_number": resource.serialNumber,
                "lot_number": resource.lotNumber,
                "udi": (udi.carrierHRF or udi.deviceIdentifier) if udi else None,
            }
    return mapped


def _care_setting(location: Any) -> str:
    codes = [c.code for concept in (location.type or []) if location for c in concept.coding or []] if location else []
    return next((_CARE_SETTINGS[c] for c in codes if c in _CARE_SETTINGS), "other")


def _human_name(names: Any) -> str | None:
    for name in names or []:
        text = name.text or " ".join([*(name.given or []), name.family or ""]).strip()
        if text:
            return str(text)
    return None


def _telecom(points: Any, system: str) -> str | None:
    return next((p.value for p in points or [] if p.system == system), None)


def _code(concept: Any) -> str | None:
    return next((c.code for c in (concept.coding or []) if c.code), None) if concept is not None else None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _without_empty(value: Any) -> Any:
    """Drop ``None`` and empty containers, which the v1 schema expresses by absence."""
    if isinstance(value, dict):
        cleaned = {k: _without_empty(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


def _invalid(detail: str, errors: list[FieldProblem]) -> ProblemError:
    return ProblemError(422, "Invalid FHIR AdverseEvent", detail, errors=errors)
