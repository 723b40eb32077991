"""The benchmark suite's pure parts: kept up, memory verdicts, the targets, the markdown, the README section."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))

from report import (
    README_END,
    README_START,
    Target,
    evaluate_targets,
    format_ms,
    memory_table,
    render_results,
    summary,
    update_readme,
)
from verdicts import (
    MemoryRule,
    kept_up,
    least_squares_slope,
    memory_verdict,
    memory_verdicts,
    rate_in_window,
)

# --- kept up ---------------------------------------------------------------------------------------


def test_kept_up_when_everything_offered_is_delivered() -> None:
    assert kept_up(offered=100, accepted=100, delivered=100).kept_up


def test_a_backlog_means_it_did_not_keep_up() -> None:
    verdict = kept_up(offered=100, accepted=100, delivered=97)
    assert not verdict.kept_up
    assert "backlog of 3" in verdict.reason


def test_reports_not_accepted_mean_it_did_not_keep_up() -> None:
    verdict = kept_up(offered=100, accepted=90, delivered=90)
    assert not verdict.kept_up
    assert "10 of 100" in verdict.reason


def test_nothing_offered_is_not_keeping_up() -> None:
    assert not kept_up(offered=0, accepted=0, delivered=0).kept_up


def test_rate_in_window_counts_only_the_window() -> None:
    times = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 9.0]
    assert rate_in_window(times, 1.0, 3.0) == pytest.approx(2.0)  # 1.0, 1.5, 2.0, 2.5 over 2 s
    assert rate_in_window(times, 3.0, 3.0) == 0.0


# --- memory verdicts -------------------------------------------------------------------------------


def test_least_squares_slope_of_a_line_and_of_degenerate_input() -> None:
    assert least_squares_slope([(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]) == pytest.approx(2.0)
    assert least_squares_slope([(5.0, 1.0)]) == 0.0
    assert least_squares_slope([(5.0, 1.0), (5.0, 9.0)]) == 0.0


def series(start_mb: float, mb_per_min: float, *, until_s: int = 600, every_s: int = 10) -> list[tuple[float, float]]:
    return [(float(t), start_mb + mb_per_min * t / 60) for t in range(0, until_s + 1, every_s)]


def test_steady_memory_is_flat() -> None:
    verdict = memory_verdict(series(100.0, 0.0), MemoryRule())
    assert verdict is not None
    assert verdict.flat
    assert verdict.slope_mb_per_min == pytest.approx(0.0)


def test_growth_during_the_warm_up_only_is_flat() -> None:
    samples = [(t, min(100.0 + t, 200.0)) for t, _ in series(0.0, 0.0)]  # +1 MB/s until 100 s, then level
    verdict = memory_verdict(samples, MemoryRule(warmup_s=120))
    assert verdict is not None
    assert verdict.flat
    assert (verdict.start_mb, verdict.end_mb) == (100.0, 200.0)


def test_a_slow_leak_fails_on_its_slope() -> None:
    verdict = memory_verdict(series(100.0, 1.5), MemoryRule())
    assert verdict is not None
    assert not verdict.flat
    assert verdict.slope_mb_per_min == pytest.approx(1.5)
    assert "slope" in verdict.reason


def high_first_window(level_mb: float, extra_mb: float) -> list[tuple[float, float]]:
    """Level, except ``extra_mb`` more in the first minute after the warm-up: a small slope, a drift."""
    return [(float(t), level_mb + extra_mb if 120 <= t < 180 else level_mb) for t in range(0, 601, 10)]


def test_a_drift_between_the_windows_fails_though_the_slope_is_below_the_limit() -> None:
    verdict = memory_verdict(high_first_window(100.0, 30.0), MemoryRule())
    assert verdict is not None
    assert verdict.slope_mb_per_min < 1.0
    assert not verdict.flat
    assert "moved -30.0 MB, more than 10.0" in verdict.reason


def test_the_tolerance_is_five_percent_of_a_large_process() -> None:
    verdict = memory_verdict(high_first_window(1000.0, 30.0), MemoryRule())  # 5 % of 1,030 MB: 51.5 MB
    assert verdict is not None
    assert verdict.flat


def test_no_sample_after_the_warm_up_gives_no_verdict() -> None:
    verdicts = memory_verdicts({"kafka": series(100.0, 0.0, until_s=60), "intake": []}, MemoryRule(warmup_s=120))
    assert verdicts == {"kafka": None, "intake": None}


# --- targets ---------------------------------------------------------------------------------------


def e2e_run(*, rate: float, delivered: int, offered: int, p50: float, p99: float, throughput: float) -> dict[str, Any]:
    verdict = kept_up(offered=offered, accepted=offered, delivered=delivered)
    return {
        "offered_rate_per_s": rate,
        "send_window_s": 60.0,
        "offered": offered,
        "accepted": offered,
        "delivered": delivered,
        "not_delivered": offered - delivered,
        "throughput_events_per_s": throughput,
        "kept_up": verdict.kept_up,
        "kept_up_reason": verdict.reason,
        "latency_ms_accept_to_webhook": {"p50": p50, "p95": p99, "p99": p99},
    }


def results(**overrides: Any) -> dict[str, Any]:
    memory = {"intake": {"start_mb": 90.0, "end_mb": 91.0, "slope_mb_per_min": 0.1, "flat": True, "reason": "flat"}}
    base: dict[str, Any] = {
        "date": "2026-12-01",
        "machine": "x86_64, 2 cores, Python 3.11.7",
        "git": {"commit": "abc1234", "dirty": True},
        "quick": False,
        "stages_discipline": "batched",
        "relay": {
            "runs": {
                "one-at-a-time": {
                    "load": "closed loop, 1024 in flight",
                    "sent": 20000,
                    "messages": 20000,
                    "lost": 0,
                    "events_per_s": 200.0,
                    "latency_ms": {"p50": 1100.0, "p95": 1900.0, "p99": 2600.0},
                },
                "batched": {
                    "load": "closed loop, 1024 in flight",
                    "sent": 20000,
                    "messages": 20000,
                    "lost": 0,
                    "events_per_s": 4000.0,
                    "latency_ms": {"p50": 136.0, "p95": 348.0, "p99": 496.0},
                },
            }
        },
        "latency": {
            "50": e2e_run(rate=50, offered=3000, delivered=3000, p50=12.0, p99=80.0, throughput=50.0),
            "500": e2e_run(rate=500, offered=30000, delivered=2000, p50=9000.0, p99=20000.0, throughput=30.0),
        },
        "probe": e2e_run(rate=1000, offered=30000, delivered=900, p50=1.0, p99=1.0, throughput=30.0)
        | {"steady_throughput_events_per_s": 2500.0, "steady_window_s": [10, 30]},
        "sustained": e2e_run(rate=2250, offered=675000, delivered=675000, p50=20.0, p99=90.0, throughput=2250.0),
        "soak": {"duration_s": 600.0, "rate_per_s": 50.0, "memory": memory, "run": {"error": "unused"}},
    }
    return base | overrides


def met(targets: list[Target]) -> list[bool | None]:
    return [t.met for t in targets]


def test_every_target_met() -> None:
    targets = evaluate_targets(results())
    assert met(targets) == [True, True, True, True, True]
    assert "0.562 of batched" in targets[1].measured  # 2,250 / 4,000
    assert "11.250 of one at a time" in targets[1].measured
    assert "batched" in targets[1].target


def test_the_relay_target_is_judged_against_the_stages_discipline() -> None:
    slow = results(sustained=e2e_run(rate=150, offered=9000, delivered=9000, p50=1, p99=1, throughput=150.0))
    assert met(evaluate_targets(slow))[:2] == [False, False]  # 150 / 4,000 batched
    assert met(evaluate_targets(slow | {"stages_discipline": "one-at-a-time"}))[:2] == [False, True]  # 150 / 200


def test_a_sustained_run_that_did_not_keep_up_meets_no_throughput_target() -> None:
    behind = e2e_run(rate=2250, offered=675000, delivered=600000, p50=20.0, p99=90.0, throughput=2000.0)
    targets = evaluate_targets(results(sustained=behind))
    assert met(targets)[:2] == [False, False]
    assert "did not keep up (backlog of 75000" in targets[0].measured


def test_latency_over_the_delivered_does_not_count_when_some_were_not_delivered() -> None:
    partial = e2e_run(rate=50, offered=3000, delivered=2990, p50=12.0, p99=80.0, throughput=49.0)
    targets = evaluate_targets(results(latency={"50": partial}))
    assert met(targets)[2:4] == [False, False]
    assert "10 of 3000 offered not delivered (0 not accepted, backlog 10)" in targets[2].measured


def test_latency_above_the_limits() -> None:
    slow = e2e_run(rate=50, offered=3000, delivered=3000, p50=30.0, p99=80.0, throughput=50.0)
    assert met(evaluate_targets(results(latency={"50": slow})))[2:4] == [False, True]


def test_memory_not_flat_names_the_service() -> None:
    growing = {"start_mb": 100.0, "end_mb": 200.0, "slope_mb_per_min": 9.0, "flat": False, "reason": "x"}
    steady = {"start_mb": 100.0, "end_mb": 101.0, "slope_mb_per_min": 0.1, "flat": True, "reason": None}
    memory = {"notify": growing, "intake": steady}
    targets = evaluate_targets(results(soak={"duration_s": 600.0, "rate_per_s": 50.0, "memory": memory}))
    assert targets[4].met is False
    assert "notify" in targets[4].measured
    assert "intake" not in targets[4].measured


def test_the_broker_and_the_store_are_shown_not_judged() -> None:
    growing = {"start_mb": 300.0, "end_mb": 400.0, "slope_mb_per_min": 9.0, "flat": False, "reason": "x"}
    steady = {"start_mb": 100.0, "end_mb": 101.0, "slope_mb_per_min": 0.1, "flat": True, "reason": None}
    memory = {"kafka": growing, "ferretdb": growing, "notify": steady}
    soak = {"duration_s": 600.0, "rate_per_s": 50.0, "memory": memory}
    targets = evaluate_targets(results(soak=soak))
    assert targets[4].met is True
    assert "kafka" in memory_table(soak)


def test_runs_that_failed_or_were_skipped_are_not_measured() -> None:
    targets = evaluate_targets(
        results(
            sustained={"error": "InfrastructureError: intake did not become ready"}, soak={"skipped": "--skip-soak"}
        )
    )
    assert met(targets) == [None, None, True, True, None]
    assert targets[0].measured == "failed: InfrastructureError: intake did not become ready"
    assert targets[4].measured == "not run: --skip-soak"


# --- markdown --------------------------------------------------------------------------------------


def test_format_ms() -> None:
    assert format_ms(12.345) == "12.3 ms"
    assert format_ms(2500.0) == "2.50 s"
    assert format_ms(None) == "—"


def test_the_summary_has_the_targets_the_figures_and_the_memory() -> None:
    text = summary(results())
    assert "commit `abc1234` (with uncommitted changes)" in text
    assert (
        "| full pipeline sustains ≥ 1,000 events/s | 2,250.0 events/s at 2,250.0/s offered; kept up | **yes** |" in text
    )
    assert "| relay batched, closed loop, 1024 in flight | 20,000 |  | 20,000 | 0 | 4,000.0 | 136.0 ms |" in text
    assert "| e2e 500/s, 500.0/s for 60 s | 30,000 | 30,000 | 2,000 | 28,000 | 30.0 | 9.00 s | 20.00 s |" in text
    assert "2,500.0 (steady, 10-30 s)" in text
    assert "| intake | 90.0 | 91.0 | +0.10 | yes |" in text
    assert "| e2e soak | failed: unused |" in text


def test_a_quick_run_says_so() -> None:
    text = render_results(results(quick=True))
    assert text.startswith("# Benchmark results, 2026-12-01 (quick)")
    assert "not a measurement" in text
    assert "## How the figures are taken" in text


# --- the README section ----------------------------------------------------------------------------


def test_update_readme_replaces_only_between_the_markers() -> None:
    readme = f"# Title\n\n## Benchmark\n{README_START}\nold table\nold line\n{README_END}\n\nAfter.\n"
    updated = update_readme(readme, "| new | table |")
    assert updated == f"# Title\n\n## Benchmark\n{README_START}\n| new | table |\n{README_END}\n\nAfter.\n"
    assert update_readme(updated, "| new | table |\n") == updated


@pytest.mark.parametrize(
    "readme",
    [
        "# No markers\n",
        f"{README_START}\nonly the start\n",
        f"{README_END}\n{README_START}\n",
        f"{README_START}\n{README_START}\n{README_END}\n",
    ],
)
def test_update_readme_refuses_missing_or_misplaced_markers(readme: str) -> None:
    with pytest.raises(ValueError, match="bench-results:start"):
        update_readme(readme, "table")
