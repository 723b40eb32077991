"""HL7 FHIR R4 AdverseEvent onto the v1 report, on realistic documents and invalid ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pso_intake.fhir import report_from_fhir
from pso_shared.http.problems import ProblemError

pytestmark = pytest.mark.timeout(30)

DOCUMENTS = Path(__file__).parents[1] / "data" / "fhir"


def mapped(name: str) -> dict[str, Any]:
    report = report_from_fhir((DOCUMENTS / name).read_bytes(), org_id="ky-lakeside-health")
    return report.model_dump(mode="json", exclude_none=True)


def test_there_are_at_least_five_documents() -> None:
    assert len(list(DOCUMENTS.glob("*.json"))) >= 5


def test_a_full_fall_report() -> None:
    report = mapped("fall-actual.json")
    assert report["report_id"] == "FHIR-RPT-1001"
    assert report["provider"] == {"org_id": "ky-lakeside-health", "care_setting": "hospital_inpatient"}
    assert (report["report_type"], report["categories"]) == ("incident", ["fall"])
    assert report["harm"] == {"degree": "mild"}
    assert report["occurred_at"] == "2026-11-20T03:40:00-05:00"
    assert report["discovered_at"] == "2026-11-20T03:45:00-05:00"
    assert report["location"] == "4 West, room 412"
    assert report["narrative"].startswith("At 0345 RN Maria Delgado found pt Harold Jensen")
    assert "<p>" not in report["narrative"]
    assert report["patient"] == {
        "name": "Harold Jensen",
        "mrn": "00482913",
        "date_of_birth": "1941-06-02",
        "sex": "male",
        "zip": "40207",
        "phone": "502-555-0147",
    }
    assert report["reporter"] == {"name": "Maria Delgado", "email": "mdelgado@lakesidehealth.example"}


def test_a_medication_error_with_its_drug() -> None:
    report = mapped("medication-wrong-rate.json")
    assert report["categories"] == ["medication"]
    assert report["harm"] == {"degree": "severe"}
    assert report["medication"] == {"name": "heparin", "rxnorm": "5224"}
    assert report["narrative"].startswith("Heparin infusion")
    assert ">150 s" in report["narrative"]  # entities decoded
    assert report["patient"]["mrn"] == "A7719930"


def test_a_device_near_miss_keeps_every_device_field_for_deidentify() -> None:
    report = mapped("device-near-miss.json")
    assert report["report_type"] == "near_miss"
    assert report["categories"] == ["device"]
    assert report["device"] == {
        "name": "infusion pump",
        "manufacturer": "Example Medical",
        "model": "LVP-300",
        "serial_number": "SN4471902",
        "lot_number": "LOT-22-118",
        "udi": "(01)00812345678901(21)SN4471902",
    }
    assert report["harm"] == {"degree": "unknown"}
    assert report["provider"]["care_setting"] == "other"


def test_a_fatal_outcome_is_death_with_missing_optional_parts() -> None:
    report = mapped("fatal-minimal.json")
    assert report["harm"] == {"degree": "death"}
    assert report["categories"] == ["medication"]
    assert report["patient"] == {"date_of_birth": "1950-03-09", "sex": "female"}
    assert "reporter" not in report
    assert "location" not in report


def test_a_bare_near_miss_takes_its_narrative_from_the_event() -> None:
    report = mapped("bare-near-miss.json")
    assert report["narrative"].startswith("Wrong patient wristband")
    assert "categories" not in report
    assert "patient" not in report  # a contained Patient with nothing in it


def _fall(**changes: Any) -> bytes:
    document = json.loads((DOCUMENTS / "fall-actual.json").read_text())
    document.update(changes)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"resourceType": "Observation", "status": "final", "code": {"text": "x"}}', "resourceType"),
        (_fall(actuality="maybe"), "actuality"),
        (_fall(subject={"reference": "Patient/123"}), "subject"),
        (_fall(recorder={"reference": "#pat"}), "recorder"),
        (_fall(text=None, event=None), "narrative"),
        (b"{not json", "(body)"),
    ],
)
def test_invalid_fhir_is_422_with_the_field(body: bytes, field: str) -> None:
    with pytest.raises(ProblemError) as caught:
        report_from_fhir(body, org_id="ky-lakeside-health")
    assert caught.value.status == 422
    assert any(field in e.field for e in caught.value.errors), caught.value.errors
    assert "Harold" not in str([e.reason for e in caught.value.errors])


@pytest.mark.parametrize("actuality", [[], {}, None, 3])
def test_an_actuality_of_the_wrong_type_is_422_not_a_crash(actuality: object) -> None:
    body = json.dumps({"resourceType": "AdverseEvent", "actuality": actuality, "subject": None}).encode()
    with pytest.raises(ProblemError) as caught:
        report_from_fhir(body, org_id="o")
    assert caught.value.errors[0].field == "actuality"
