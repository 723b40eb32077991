"""Test data factories. Tests import these; nobody imports from conftest."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from pso_deploy.paths import contract_dir


def example_reports() -> dict[str, dict[str, Any]]:
    """The contract's examples by file name."""
    folder = contract_dir() / "examples"
    return {p.name: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def report(**overrides: Any) -> dict[str, Any]:
    """A valid report (the fall example) with top-level fields replaced."""
    base = copy.deepcopy(example_reports()["fall-incident.json"])
    base.update(overrides)
    return base


def with_harm(base: dict[str, Any], degree: str, report_id: str) -> dict[str, Any]:
    """A copy of ``base`` with another harm degree and report id."""
    changed = copy.deepcopy(base)
    changed["report_id"] = report_id
    changed["harm"] = {**changed.get("harm", {}), "degree": degree}
    return changed


def structured_identifiers(source: dict[str, Any]) -> list[str]:
    """The identifying values a report carries in structured fields: names, MRN, phone, email, NPI..."""
    found: list[str] = []
    provider = source["provider"]
    found += [provider.get(k) for k in ("org_name", "facility_name", "npi")]
    for part, keys in {
        "patient": ("name", "mrn", "phone", "email", "address", "health_plan_id", "account_number"),
        "reporter": ("name", "phone", "email"),
        "device": ("serial_number", "lot_number", "udi"),
    }.items():
        found += [source.get(part, {}).get(k) for k in keys]
    for staff in source.get("staff_involved", []):
        found += [staff.get(k) for k in ("name", "npi", "license_number", "dea_number")]
    return [v for v in found if v]


def all_strings(value: Any) -> list[str]:
    """Every string inside a JSON-like value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *all_strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in all_strings(item)]
    return []


def person_names(source: dict[str, Any]) -> list[str]:
    """The people a report names in structured fields."""
    names = [source.get("patient", {}).get("name"), source.get("reporter", {}).get("name")]
    names += [s.get("name") for s in source.get("staff_involved", [])]
    return [n for n in names if n]


def leaked(source: dict[str, Any], documents: list[Any]) -> list[str]:
    """Which of the report's structured identifiers, or parts of its people's names, appear in the
    documents. Matching is case-insensitive, on whole words."""
    text = " ".join(s for d in documents for s in all_strings(d))
    needles = set(structured_identifiers(source)) | {p for n in person_names(source) for p in n.split() if len(p) > 2}
    return sorted(n for n in needles if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", text, re.IGNORECASE))
