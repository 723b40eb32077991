"""Check the classification corpus's part files: every line a valid v1 report with consistent labels.

    .venv/bin/python tests/data/classify/check_parts.py [PART.jsonl ...]

Prints one line per problem and a summary of the labels; exits 1 if any line is wrong.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pso_shared.report import EventReport
from pso_shared.types import Category, HarmDegree, NccMerpCategory, SreCode

PARTS = Path(__file__).resolve().parent / "parts"
# NCC MERP categories and the harm each one implies (AHRQ Harm Scale v1.2).
MERP_HARM = {
    "A": {"none"},
    "B": {"none"},
    "C": {"none"},
    "D": {"none"},
    "E": {"mild", "moderate"},
    "F": {"moderate", "severe"},
    "G": {"severe"},
    "H": {"severe"},
    "I": {"death"},
}
# SREs that count whatever the harm; every other code needs death or serious injury.
SRE_ANY_HARM = {"1A", "1B", "1C", "1D", "3A", "4F", "4G", "5B", "7A", "7B", "7C"}


def problems(record: dict[str, Any]) -> list[str]:
    out: list[str] = []
    try:
        EventReport.model_validate(record["report"])
    except (ValidationError, KeyError) as exc:
        return [f"report invalid: {exc}"[:300]]
    labels = record.get("labels", {})
    cats = labels.get("categories", [])
    if not cats or any(c not in {x.value for x in Category} for c in cats):
        out.append(f"bad categories {cats}")
    if labels.get("primary_category") not in cats:
        out.append("primary_category not among categories")
    if labels.get("harm_degree") not in {h.value for h in HarmDegree}:
        out.append("bad harm_degree")
    merp = labels.get("ncc_merp_category")
    if ("medication" in cats) != (merp is not None):
        out.append("ncc_merp_category must be set exactly when medication is a category")
    if merp is not None:
        if merp not in {m.value for m in NccMerpCategory}:
            out.append("bad ncc_merp_category")
        elif labels.get("harm_degree") not in MERP_HARM[merp] | {"unknown"}:
            out.append(f"harm {labels.get('harm_degree')} does not fit NCC MERP {merp}")
    return out + _sre_problems(record)


def _sre_problems(record: dict[str, Any]) -> list[str]:
    out: list[str] = []
    labels = record.get("labels", {})
    sre = labels.get("sre", {})
    code = sre.get("code")
    if bool(sre.get("is_sre")) != (code is not None):
        out.append("sre.is_sre and sre.code disagree")
    if code is not None:
        if code not in {s.value for s in SreCode}:
            out.append("bad sre code")
        elif code not in SRE_ANY_HARM and labels.get("harm_degree") not in {"death", "severe"}:
            out.append(f"SRE {code} needs death or severe harm")
    if record["report"].get("report_type") != "incident" and labels.get("harm_degree") not in {"none", "unknown"}:
        out.append("a near miss or unsafe condition has harm none")
    return out


def say(*parts: object) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")


def main() -> int:
    files = [Path(a) for a in sys.argv[1:]] or sorted(PARTS.glob("*.jsonl"))
    bad = 0
    ids: Counter[str] = Counter()
    tally: dict[str, Counter[str]] = {k: Counter() for k in ("primary", "harm", "setting", "sre", "merp")}
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                say(f"{path.name}:{number}: not JSON: {exc}")
                bad += 1
                continue
            ids[record.get("id", "")] += 1
            for problem in problems(record):
                say(f"{path.name}:{number} {record.get('id')}: {problem}")
                bad += 1
            labels = record.get("labels", {})
            tally["primary"][labels.get("primary_category")] += 1
            tally["harm"][labels.get("harm_degree")] += 1
            tally["setting"][record["report"]["provider"]["care_setting"]] += 1
            tally["sre"][(labels.get("sre") or {}).get("code") or "-"] += 1
            tally["merp"][labels.get("ncc_merp_category") or "-"] += 1
    for identifier, count in ids.items():
        if count > 1 or not identifier:
            say(f"id {identifier!r} used {count} times")
            bad += 1
    say(f"{sum(ids.values())} records, {bad} problems")
    for name, counter in tally.items():
        say(name, dict(sorted(counter.items(), key=lambda kv: str(kv[0]))))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
