"""Synthetic event reports with realistic (fictitious) identifiers, for demos, tests and benchmarks.

Deterministic for a given seed. Every report embeds its patient's and reporter's identifiers in
its narrative too, so a run shows the scrubber at work.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

_GIVEN = ("Harold", "Maria", "Wei", "Aisha", "Dmitri", "Keisha", "Juan", "Ingrid", "Tomasz", "Priya", "Samuel", "Grace")
_FAMILY = ("Jensen", "Delgado", "Okafor", "Nakamura", "Petrov", "Washington", "Lindqvist", "Haddad", "Kowalski", "Osei")
_ORGS = (
    ("ky-lakeside-health", "Lakeside Health System", "KY", "40202", "hospital_inpatient"),
    ("oh-riverbend", "Riverbend Hospital", "OH", "43215", "hospital_inpatient"),
    ("tn-metro-ems", "Metro EMS", "TN", "37203", "ems"),
    ("in-maple-grove", "Maple Grove Nursing Center", "IN", "46204", "nursing_home"),
    ("ky-corner-pharmacy", "Corner Pharmacy", "KY", "40502", "pharmacy"),
)


@dataclass(frozen=True)
class _Scenario:
    category: str
    harm: str
    text: str
    medication: str | None = None
    device_model: str | None = None
    """Named so that the same drug or device at several organisations can make a cross-provider signal."""


_SCENARIOS = (
    _Scenario("fall", "mild", "found {pt} on the floor beside the bed; {pt_last} said he tried to reach the bathroom."),
    _Scenario("fall", "severe", "{pt} slid out of the chair during transfer; hip fracture confirmed on x-ray."),
    _Scenario(
        "medication",
        "moderate",
        "{pt} received hydroxyzine instead of hydralazine; BP rose, treated.",
        medication="hydroxyzine",
    ),
    _Scenario(
        "medication",
        "death",
        "insulin drip at 10 times the ordered rate; {pt} found unresponsive, code called.",
        medication="insulin regular",
    ),
    _Scenario(
        "device",
        "none",
        "infusion pump alarmed and stopped mid-infusion for {pt}; pump replaced.",
        device_model="LVP-300",
    ),
    _Scenario("pressure_injury", "moderate", "stage 3 sacral pressure injury found on {pt} at turning."),
    _Scenario("surgery", "severe", "retained sponge found on imaging after {pt}'s laparotomy; returned to OR."),
    _Scenario("healthcare_associated_infection", "mild", "{pt} developed a CLABSI on day 6 of the central line."),
)


def synthetic_report(index: int, *, seed: int = 7, severe_every: int = 0) -> dict[str, Any]:
    """The ``index``-th synthetic report.

    Args:
        index: Position in the stream; the report id is derived from it.
        seed: Varies the whole stream.
        severe_every: If positive, every n-th report has severe harm, so it raises an alert.
    """
    rng = random.Random(seed * 1_000_003 + index)  # noqa: S311 - test data, not crypto
    org_id, org_name, state, zip_code, setting = rng.choice(_ORGS)
    scenario = rng.choice(_SCENARIOS)
    given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
    nurse = f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}"
    mrn = f"{rng.randrange(10**7, 10**8)}"
    phone = f"502-555-{rng.randrange(1000, 9999)}"
    occurred = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 40_000))
    harm = "severe" if severe_every and index % severe_every == 0 else scenario.harm
    story = scenario.text.format(pt=f"{given} {family}", pt_last=family)
    narrative = f"RN {nurse}: {story} MRN {mrn}. Family called at {phone}."
    report: dict[str, Any] = {
        "schema_version": "1",
        "report_id": f"SYN-{seed}-{index:07d}",
        "provider": {"org_id": org_id, "org_name": org_name, "state": state, "zip": zip_code, "care_setting": setting},
        "report_type": "incident",
        "categories": [scenario.category],
        "occurred_at": occurred.isoformat(),
        "discovered_at": (occurred + timedelta(minutes=rng.randrange(1, 90))).isoformat(),
        "narrative": narrative,
        "patient": {"name": f"{given} {family}", "mrn": mrn, "age_years": rng.randrange(18, 101), "phone": phone},
        "harm": {"degree": harm},
        "reporter": {"name": nurse, "role": "nurse"},
    }
    if scenario.medication:
        report["medication"] = {"name": scenario.medication, "route": "intravenous"}
    if scenario.device_model:
        serial = f"SN{rng.randrange(10**6, 10**7)}"  # identifying: de-identification must drop it
        report["device"] = {"name": "infusion pump", "model": scenario.device_model, "serial_number": serial}
    return report
