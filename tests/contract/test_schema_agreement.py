"""The pydantic models and the contract's JSON Schema describe the same document.

Walks both schemas object by object and compares property names, required properties,
``additionalProperties`` and every enumeration, and then checks that both accept or refuse the same
mutated reports.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from pso_shared.report import EventReport
from tests.factories import report

pytestmark = pytest.mark.timeout(30)


def _contract(contract_dir: Path) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((contract_dir / "event-report.v1.schema.json").read_text())
    return schema


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Follow ``$ref``, and unwrap ``anyOf [X, null]`` that pydantic emits for optional fields."""
    while True:
        if "$ref" in node:
            *_, section, name = node["$ref"].split("/")
            node = root[section][name] | {k: v for k, v in node.items() if k != "$ref"}
        elif "anyOf" in node:
            options = [o for o in node["anyOf"] if o.get("type") != "null"]
            assert len(options) == 1, node
            node = options[0]
        elif "allOf" in node and len(node["allOf"]) == 1:
            node = node["allOf"][0]
        else:
            return node


def _objects(node: dict[str, Any], root: dict[str, Any], path: str = "") -> dict[str, dict[str, Any]]:
    """Every object schema in the tree, by its path."""
    node = _resolve(node, root)
    found: dict[str, dict[str, Any]] = {}
    if "properties" in node:
        found[path or "(report)"] = node
        for name, child in node["properties"].items():
            found |= _objects(child, root, f"{path}.{name}" if path else name)
    if node.get("type") == "array" and "items" in node:
        found |= _objects(node["items"], root, f"{path}[]")
    return found


def _enums(node: dict[str, Any], root: dict[str, Any], path: str = "") -> dict[str, set[Any]]:
    node = _resolve(node, root)
    found: dict[str, set[Any]] = {}
    if "enum" in node:
        found[path] = set(node["enum"])
    if "const" in node:
        found[path] = {node["const"]}
    for name, child in node.get("properties", {}).items():
        found |= _enums(child, root, f"{path}.{name}" if path else name)
    if "items" in node:
        found |= _enums(node["items"], root, f"{path}[]")
    return found


@pytest.fixture(scope="module")
def schemas(contract_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    return _contract(contract_dir), EventReport.model_json_schema()


def test_same_objects_and_properties(schemas: tuple[dict[str, Any], dict[str, Any]]) -> None:
    contract, model = schemas
    ours, theirs = _objects(model, model), _objects(contract, contract)
    assert ours.keys() == theirs.keys()
    for path, node in theirs.items():
        assert set(ours[path]["properties"]) == set(node["properties"]), path
        assert set(ours[path].get("required", [])) == set(node.get("required", [])), path
        assert ours[path].get("additionalProperties") is False, path


def test_same_enumerations(schemas: tuple[dict[str, Any], dict[str, Any]]) -> None:
    contract, model = schemas
    assert _enums(model, model) == _enums(contract, contract)


MUTATIONS: list[tuple[str, Any]] = [
    ("schema_version", "2"),
    ("report_id", ""),
    ("report_id", "x" * 129),
    ("narrative", ""),
    ("narrative", "x" * 20001),
    ("report_type", "accident"),
    ("categories", ["fall", "fall"]),
    ("categories", ["falls"]),
    ("provider", {"org_id": "a"}),
    ("provider", {"org_id": "a", "care_setting": "ems", "npi": "123"}),
    ("provider", {"org_id": "a", "care_setting": "ems", "state": "Ky"}),
    ("provider", {"org_id": "a", "care_setting": "ems", "zip": "4020"}),
    ("patient", {"age_years": 131}),
    ("patient", {"age_days": -1}),
    ("patient", {"ssn": "123-45-6789"}),
    ("harm", {"degree": "catastrophic"}),
    ("medication", {"ncc_merp_category": "J"}),
    ("sre", {"code": "8A"}),
    ("staff_involved", [{"npi": "12345678901"}]),
    ("contributing_factors", ["weather"]),
    ("unknown_field", 1),
]


@pytest.mark.parametrize(("field", "value"), MUTATIONS)
def test_both_refuse_the_same_invalid_reports(
    schemas: tuple[dict[str, Any], dict[str, Any]], field: str, value: Any
) -> None:
    contract, _ = schemas
    candidate = copy.deepcopy(report())
    candidate[field] = value
    assert list(Draft202012Validator(contract).iter_errors(candidate)), "the schema accepted it"
    with pytest.raises(ValidationError):
        EventReport.model_validate(candidate)
