"""Intake's OpenAPI document: complete, with the contract's examples, which are kept identical."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pso_intake.app import create_app
from pso_intake.openapi_examples import contract_examples
from pso_intake.settings import IntakeSettings

pytestmark = pytest.mark.timeout(30)


def test_shipped_examples_are_the_contracts(contract_dir: Path) -> None:
    shipped = {name: example["value"] for name, example in contract_examples().items()}
    contract = {p.stem: json.loads(p.read_text()) for p in sorted((contract_dir / "examples").glob("*.json"))}
    assert shipped == contract


def test_the_document_describes_every_route_with_examples() -> None:
    document = create_app(IntakeSettings(environment="test")).openapi()
    paths = document["paths"]
    assert {"/v1/events", "/v1/events:batch", "/v1/events/{event_id}", "/healthz", "/readyz"} <= set(paths)
    body = paths["/v1/events"]["post"]["requestBody"]["content"]["application/json"]
    assert set(body["examples"]) == set(contract_examples())
    assert body["schema"]["title"] == "EventReport"
    responses = paths["/v1/events"]["post"]["responses"]
    assert {"200", "202", "401", "403", "413", "415", "422", "429", "503"} <= set(responses)
    assert "application/problem+json" in responses["422"]["content"]
    assert "404" in paths["/v1/events/{event_id}"]["get"]["responses"]
