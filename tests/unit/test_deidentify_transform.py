"""The deidentify stage's pure function on whole reports."""

from __future__ import annotations

import pytest

from pso_deidentify.policy import LIMITED_DATA_SET, SAFE_HARBOR
from pso_deidentify.transform import age_label, deidentify_event, deidentify_record, zip3
from pso_shared.messages.raw import RawEvent
from pso_shared.report import EventReport
from pso_shared.types import utc_now
from tests.factories import example_reports, leaked, report

pytestmark = pytest.mark.timeout(30)
KEY = b"unit-test-key"


@pytest.mark.parametrize("name", sorted(example_reports()))
def test_no_structured_identifier_of_an_example_survives(name: str) -> None:
    source = example_reports()[name]
    record = deidentify_record(EventReport.model_validate(source), policy=SAFE_HARBOR, key=KEY)
    assert leaked(source, [record.model_dump(mode="json")]) == []
    assert source["provider"]["org_id"] not in record.model_dump_json()


def test_dates_become_the_year_and_intervals() -> None:
    record = deidentify_record(EventReport.model_validate(report()), policy=SAFE_HARBOR, key=KEY)
    dumped = record.model_dump_json()
    assert "2026-11-20" not in dumped
    assert "1941" not in dumped
    assert record.report.event_year == 2026
    assert record.report.minutes_to_discovery == 5
    assert record.report.minutes_to_report == 212


def test_device_keeps_model_but_not_serial() -> None:
    source = example_reports()["medication-error.json"]
    record = deidentify_record(EventReport.model_validate(source), policy=SAFE_HARBOR, key=KEY)
    assert record.report.device is not None
    assert record.report.device.model == "LVP-300"
    assert "SN4471902" not in record.model_dump_json()


@pytest.mark.parametrize(
    ("zip_code", "expected"), [("40207", "402"), ("03601", "000"), ("89301-1234", "000"), (None, None)]
)
def test_zip3(zip_code: str | None, expected: str | None) -> None:
    assert zip3(zip_code, SAFE_HARBOR) == expected


@pytest.mark.parametrize(("age", "expected"), [(0, "0"), (89, "89"), (90, "90+"), (112, "90+"), (None, None)])
def test_ages_over_89_are_aggregated(age: int | None, expected: str | None) -> None:
    assert age_label(age) == expected


def test_age_from_date_of_birth_is_aggregated_too() -> None:
    source = report(patient={"name": "A B", "date_of_birth": "1920-01-01"})
    record = deidentify_record(EventReport.model_validate(source), policy=SAFE_HARBOR, key=KEY)
    assert record.report.patient is not None
    assert record.report.patient.age == "90+"


def test_pseudonyms_are_stable_and_keyed() -> None:
    parsed = EventReport.model_validate(report())
    first = deidentify_record(parsed, policy=SAFE_HARBOR, key=KEY)
    again = deidentify_record(parsed, policy=SAFE_HARBOR, key=KEY)
    other_key = deidentify_record(parsed, policy=SAFE_HARBOR, key=b"another key")
    assert first.org_pseudonym == again.org_pseudonym
    assert first.org_pseudonym != other_key.org_pseudonym
    assert first.report.patient is not None
    assert other_key.report.patient is not None
    assert first.report.patient.pseudonym != other_key.report.patient.pseudonym


def test_event_keeps_identity_and_policy_version() -> None:
    raw = RawEvent(
        event_id="e1",
        correlation_id="c1",
        revision=2,
        received_at=utc_now(),
        report=EventReport.model_validate(report()),
    )
    event = deidentify_event(raw, policy=SAFE_HARBOR, key=KEY)
    assert (event.event_id, event.correlation_id, event.revision) == ("e1", "c1", 2)
    assert event.policy_version == SAFE_HARBOR.version
    assert event.removed["NAME"] >= 1


def test_the_limited_data_set_keeps_dates_and_zip5_but_no_names() -> None:
    source = report()
    record = deidentify_record(EventReport.model_validate(source), policy=LIMITED_DATA_SET, key=KEY)
    assert record.policy_version.startswith("limited_data_set/")
    assert record.report.occurred_at is not None
    assert record.report.zip5 == "40202"
    assert record.report.patient is not None
    assert str(record.report.patient.date_of_birth) == "1941-06-02"
    dumped = record.model_dump_json()
    for identifier in ("Harold", "Jensen", "00482913", "Delgado", "555-201-8890", "lakeside"):
        assert identifier.lower() not in dumped.lower()
    safe = deidentify_record(EventReport.model_validate(source), policy=SAFE_HARBOR, key=KEY)
    assert safe.report.occurred_at is None
    assert safe.report.zip5 is None


def test_a_zip3_the_census_does_not_know_becomes_000() -> None:
    assert zip3("00012", SAFE_HARBOR) == "000"
