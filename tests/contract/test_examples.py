"""The contract's examples are valid under both the JSON Schema and the pydantic models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from pso_shared.report import EventReport
from tests.factories import example_reports

pytestmark = pytest.mark.timeout(30)

EXAMPLES = sorted(example_reports().items())


def validator(contract_dir: Path) -> Draft202012Validator:
    schema = json.loads((contract_dir / "event-report.v1.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize(("name", "example"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_example_is_valid_under_the_schema(contract_dir: Path, name: str, example: dict[str, Any]) -> None:
    errors = [e.message for e in validator(contract_dir).iter_errors(example)]
    assert errors == [], name


@pytest.mark.parametrize(("name", "example"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_example_is_valid_under_the_model_and_round_trips(
    contract_dir: Path, name: str, example: dict[str, Any]
) -> None:
    report = EventReport.model_validate(example)
    dumped = json.loads(report.model_dump_json(exclude_none=True))
    assert list(validator(contract_dir).iter_errors(dumped)) == [], name
    assert EventReport.model_validate(dumped) == report
