"""``pso deidentify scrub`` and ``pso classify predict`` over JSON Lines (contract section 4)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pso_shared.cli import build_cli
from tests.factories import example_reports, leaked

pytestmark = pytest.mark.timeout(60)


def run(*args: str, stdin: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(build_cli(), list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def lines_with_one_bad() -> tuple[str, list[dict[str, object]]]:
    reports = list(example_reports().values())
    lines = [json.dumps(r) for r in reports]
    lines.insert(1, '{"schema_version": "1", "report_id": "broken"')
    return "\n".join(lines) + "\n", reports


def test_scrub_writes_one_line_per_input_line_in_order() -> None:
    stdin, reports = lines_with_one_bad()
    out = run("deidentify", "scrub", stdin=stdin)
    assert len(out) == len(reports) + 1
    assert out[1]["line"] == 2
    assert "error" in out[1]
    scrubbed = [o for o in out if "error" not in o]
    for source, record in zip(reports, scrubbed, strict=True):
        assert leaked(source, [record]) == []
        assert record["report"]["report_type"] == source["report_type"]  # type: ignore[index]


def test_predict_writes_report_id_and_classification() -> None:
    stdin, reports = lines_with_one_bad()
    out = run("classify", "predict", stdin=stdin)
    assert [o.get("report_id") for o in out] == [reports[0]["report_id"], None, *[r["report_id"] for r in reports[1:]]]
    classification = out[0]["classification"]
    assert isinstance(classification, dict)
    assert {
        "report_type",
        "categories",
        "primary_category",
        "harm_degree",
        "ncc_merp_category",
        "sre",
        "confidence",
        "model_version",
    } <= classification.keys()
