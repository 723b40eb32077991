"""The deidentify stage's pure function: a raw event in, a de-identified event out."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from pso_deidentify.lexicons import zip3_population
from pso_deidentify.policy import Policy
from pso_deidentify.scrubber import KnownIdentifiers, scrub_narrative
from pso_shared.messages.deidentified import (
    DeidentifiedDevice,
    DeidentifiedEvent,
    DeidentifiedPatient,
    DeidentifiedRecord,
    DeidentifiedReport,
)
from pso_shared.messages.raw import RawEvent
from pso_shared.pseudonyms import pseudonym
from pso_shared.report import EventReport, Patient

OLDEST_REPORTABLE_AGE = 89


def deidentify_event(raw: RawEvent, *, policy: Policy, key: bytes) -> DeidentifiedEvent:
    """De-identify one raw event under ``policy``, pseudonymising with ``key``."""
    record = deidentify_record(raw.report, policy=policy, key=key)
    return DeidentifiedEvent(
        event_id=raw.event_id,
        correlation_id=raw.correlation_id,
        revision=raw.revision,
        received_at=raw.received_at,
        **dict(record),
    )


def deidentify_record(report: EventReport, *, policy: Policy, key: bytes) -> DeidentifiedRecord:
    """De-identify one report: what ``pso deidentify scrub`` writes for each line."""
    content, removed = deidentify_report(report, policy=policy, key=key)
    return DeidentifiedRecord(
        org_pseudonym=pseudonym(key, "org", report.provider.org_id),
        policy_version=policy.version,
        removed=dict(removed),
        report=content,
    )


def deidentify_report(report: EventReport, *, policy: Policy, key: bytes) -> tuple[DeidentifiedReport, Counter[str]]:
    """The report's clinical content without identifiers, and what was removed from free text."""
    known = known_identifiers(report)
    removed: Counter[str] = Counter()

    def scrub(text: str) -> str:
        result = scrub_narrative(text, known, kept=policy.kept_in_narrative)
        removed.update(result.removed)
        return result.text

    narrative = scrub(report.narrative)
    location = scrub(report.location) if report.location else None
    anchor = report.occurred_at or report.discovered_at or report.reported_at
    dates = policy.keep_dates
    result = DeidentifiedReport(
        report_type=report.report_type,
        care_setting=report.provider.care_setting,
        state=report.provider.state,
        zip3=zip3(report.provider.zip, policy),
        zip5=report.provider.zip if policy.keep_zip5 else None,
        event_year=anchor.year if anchor else None,
        occurred_at=report.occurred_at if dates else None,
        discovered_at=report.discovered_at if dates else None,
        reported_at=report.reported_at if dates else None,
        minutes_to_discovery=_minutes_between(report.occurred_at, report.discovered_at),
        minutes_to_report=_minutes_between(report.occurred_at, report.reported_at),
        location=location,
        narrative=narrative,
        categories=report.categories,
        patient=_patient(report, policy, key, anchor),
        harm=report.harm,
        medication=report.medication,
        device=_device(report),
        reporter_role=report.reporter.role if report.reporter else None,
        staff_roles=[scrub(s.role) for s in report.staff_involved or [] if s.role],
        contributing_factors=report.contributing_factors,
        sre=report.sre,
    )
    return result, removed


def known_identifiers(report: EventReport) -> KnownIdentifiers:
    """Every identifier the report names in structured fields, for the narrative scrubber."""
    names = [report.patient.name if report.patient else None, report.reporter.name if report.reporter else None]
    names += [s.name for s in report.staff_involved or []]
    numbers: list[tuple[str, str | None]] = [("LICENSE", report.provider.npi)]
    if report.patient:
        p = report.patient
        numbers += [("MRN", p.mrn), ("PHONE", p.phone), ("EMAIL", p.email), ("ADDRESS", p.address)]
        numbers += [("ACCOUNT", p.health_plan_id), ("ACCOUNT", p.account_number)]
        if p.date_of_birth:
            numbers += [("DATE", f"{p.date_of_birth:%m/%d/%Y}"), ("DATE", p.date_of_birth.isoformat())]
    if report.reporter:
        numbers += [("PHONE", report.reporter.phone), ("EMAIL", report.reporter.email)]
    for s in report.staff_involved or []:
        numbers += [("LICENSE", s.npi), ("LICENSE", s.license_number), ("LICENSE", s.dea_number)]
    if report.device:
        d = report.device
        numbers += [("ID", d.serial_number), ("ID", d.lot_number), ("ID", d.udi)]
    organisations = [report.provider.org_name, report.provider.facility_name]
    return KnownIdentifiers(
        names=tuple(n for n in names if n),
        organisations=tuple(o for o in organisations if o),
        numbers=tuple((kind, value) for kind, value in numbers if value),
    )


def zip3(zip_code: str | None, policy: Policy) -> str | None:
    """The first three ZIP digits, or ``000`` for areas of 20,000 people or fewer, and for any
    area the census tables do not know (the cautious reading)."""
    if not zip_code:
        return None
    prefix = zip_code[:3]
    return "000" if prefix in policy.restricted_zip3 or zip3_population(prefix) is None else prefix


def age_label(age_years: int | None) -> str | None:
    """Ages over 89 are aggregated into one ``90+`` category (Safe Harbor)."""
    if age_years is None:
        return None
    return "90+" if age_years > OLDEST_REPORTABLE_AGE else str(age_years)


def _patient(report: EventReport, policy: Policy, key: bytes, anchor: datetime | None) -> DeidentifiedPatient | None:
    p = report.patient
    if p is None:
        return None
    age = p.age_years if p.age_years is not None else _age_from_birth(p, anchor)
    return DeidentifiedPatient(
        pseudonym=pseudonym(key, "pt", report.provider.org_id, p.mrn) if p.mrn else None,
        age=age_label(age),
        age_days=p.age_days,
        sex=p.sex,
        race=p.race,
        ethnicity=p.ethnicity,
        zip3=zip3(p.zip, policy),
        zip5=p.zip if policy.keep_zip5 else None,
        date_of_birth=p.date_of_birth if policy.keep_dates else None,
        principal_diagnosis_icd10=p.principal_diagnosis_icd10,
    )


def _age_from_birth(patient: Patient, anchor: datetime | None) -> int | None:
    if patient.date_of_birth is None:
        return None
    on: date = anchor.date() if anchor else date.today()  # noqa: DTZ011 - a calendar date, no time
    born = patient.date_of_birth
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _device(report: EventReport) -> DeidentifiedDevice | None:
    d = report.device
    if d is None:
        return None
    return DeidentifiedDevice(name=d.name, manufacturer=d.manufacturer, model=d.model)


def _minutes_between(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds() // 60)
