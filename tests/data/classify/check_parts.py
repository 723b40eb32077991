"""Check the classification corpus's part files: every line a valid ``LabelledReport``.

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

from pso_classify.corpus import LabelledReport

PARTS = Path(__file__).resolve().parent / "parts"


def problems(record: dict[str, Any]) -> list[str]:
    """The record's validation errors: its report against the v1 contract, its labels against the definitions."""
    try:
        LabelledReport.model_validate(record)
    except ValidationError as exc:
        return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}"[:300] for e in exc.errors()]
    return []


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
