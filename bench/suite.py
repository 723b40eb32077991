"""The benchmark suite (``make bench``): the relay and the whole pipeline in one run, dated results.

In order: the relay's two disciplines (``bench/relay.py``, closed loop), the pipeline's latency at
50/s and at 500/s, a probe for its maximum sustainable rate, five minutes sustained at 0.9 x that,
and a ten-minute memory soak. Each e2e run has a pipeline of its own. Writes
``bench/results/<date>.json`` (every raw figure) and ``<date>.md`` (the tables and the targets
judged), overwriting the day's earlier run, then replaces the README's results section. ``--quick``
makes every run short, writes ``<date>-quick.*`` (not meant to be committed) and never the README.

    .venv/bin/python bench/suite.py              # about 21 minutes
    .venv/bin/python bench/suite.py --quick --no-readme
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from e2e import Scenario, run_scenario
from report import evaluate_targets, render_results, summary, update_readme
from soak import run_soak
from timing import where
from verdicts import MemoryRule

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
STAGES_DISCIPLINES = ("one-at-a-time", "batched")


@dataclass(frozen=True, kw_only=True)
class Plan:
    """Every run's size; ``QUICK`` is the smoke-check version."""

    relay_count: int = 20_000
    relay_duration_s: float = 60.0
    latency_rates: tuple[float, ...] = (50.0, 500.0)
    latency_s: float = 60.0
    probe_rate: float | None = None
    """None: twice the best throughput of the latency runs (``_probe_rate``)."""
    probe_s: float = 60.0
    sustain_s: float = 300.0
    soak_s: float = 600.0
    soak_every_s: float = 10.0
    soak_warmup_s: float = 120.0
    soak_window_s: float = 60.0
    soak_max_rate: float = 50.0
    drain_s: float = 30.0
    skip_soak: bool = False


QUICK = Plan(
    relay_count=2000,
    latency_s=10.0,
    probe_s=10.0,
    sustain_s=20.0,
    soak_s=60.0,
    soak_every_s=5.0,
    soak_warmup_s=20.0,
    soak_window_s=15.0,
    drain_s=15.0,
)


def progress(message: str, *, since: float) -> None:
    print(f"[suite {time.monotonic() - since:7.1f} s] {message}", file=sys.stderr, flush=True)


def run_relay(plan: Plan) -> dict[str, Any]:
    """``bench/relay.py`` in a process of its own: its hops are spawned interpreters that import their
    parent's main module, and should not carry the suite's."""
    argv = [sys.executable, str(BENCH / "relay.py"), "--mode", "both", "--count", str(plan.relay_count)]
    argv += ["--duration", str(plan.relay_duration_s)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=ROOT) as relay:  # noqa: S603 - our script
        try:
            out, _ = relay.communicate()
        except BaseException:
            relay.terminate()  # SIGTERM: it stops the broker and store it started
            relay.wait(60)
            raise
    if relay.returncode != 0:
        msg = f"bench/relay.py exited with status {relay.returncode}"
        raise RuntimeError(msg)
    result: dict[str, Any] = json.loads(out)
    return result


def attempt(step: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A run's figures, or its failure recorded in the results: one broken run must not cost the others'
    figures; the suite still exits non-zero (``failures``)."""
    try:
        return step()
    except Exception as error:  # noqa: BLE001 - recorded in the results file and reported by the exit status
        first_line = (str(error).splitlines() or [""])[0][:300]
        return {"error": f"{type(error).__name__}: {first_line}"}


def run_suite(plan: Plan, *, discipline: str, since: float) -> dict[str, Any]:
    results: dict[str, Any] = {"plan": asdict(plan), "stages_discipline": discipline}
    progress("relay, both disciplines", since=since)
    results["relay"] = attempt(lambda: run_relay(plan))
    results["latency"] = {}
    for rate in plan.latency_rates:
        progress(f"e2e at {rate:g}/s for {plan.latency_s:g} s", since=since)
        scenario = Scenario(rate=rate, duration_s=plan.latency_s, drain_timeout_s=plan.drain_s)
        results["latency"][f"{rate:g}"] = attempt(partial(run_scenario, scenario))
    probe_rate = plan.probe_rate or _probe_rate(results["latency"])
    progress(f"e2e probe at {probe_rate:g}/s for {plan.probe_s:g} s", since=since)
    # No drain: the probe only needs the throughput while saturated, and its backlog would take minutes.
    probe = Scenario(rate=probe_rate, duration_s=plan.probe_s, drain_timeout_s=0.0, steady_from_s=plan.probe_s / 3)
    results["probe"] = attempt(lambda: run_scenario(probe))
    max_rate = float(results["probe"].get("steady_throughput_events_per_s") or 0.0)
    results["max_sustainable_events_per_s"] = max_rate
    results["sustained"] = _sustained(plan, max_rate, since)
    results["soak"] = _soak(plan, max_rate, since)
    return results


def _probe_rate(latency: dict[str, dict[str, Any]]) -> float:
    """Twice the best throughput the latency runs delivered: enough to saturate the pipeline, not so much
    that intake and the load generator take the CPU the stages need (a 1,000/s probe measured half the
    pipeline's rate that way)."""
    best = max((float(run.get("throughput_events_per_s") or 0.0) for run in latency.values()), default=0.0)
    return max(20.0, round(2 * best))


def _sustained(plan: Plan, max_rate: float, since: float) -> dict[str, Any]:
    if max_rate <= 0:
        return {"skipped": "the probe measured no throughput"}
    rate = round(0.9 * max_rate, 1)
    progress(f"e2e sustained at {rate:g}/s (0.9 x {max_rate:g}) for {plan.sustain_s:g} s", since=since)
    return attempt(lambda: run_scenario(Scenario(rate=rate, duration_s=plan.sustain_s, drain_timeout_s=plan.drain_s)))


def _soak(plan: Plan, max_rate: float, since: float) -> dict[str, Any]:
    if plan.skip_soak:
        return {"skipped": "--skip-soak"}
    if max_rate <= 0:
        return {"skipped": "the probe measured no throughput"}
    rate = round(min(plan.soak_max_rate, 0.8 * max_rate), 1)
    progress(f"soak at {rate:g}/s for {plan.soak_s:g} s", since=since)
    rule = MemoryRule(warmup_s=plan.soak_warmup_s, window_s=plan.soak_window_s)
    return attempt(
        lambda: run_soak(
            rate=rate, duration_s=plan.soak_s, every_s=plan.soak_every_s, rule=rule, drain_timeout_s=plan.drain_s
        )
    )


def git_state() -> dict[str, Any]:
    """The commit measured, and whether the tree differed from it (earlier results files aside)."""

    def git(*args: str) -> str:
        return subprocess.run(  # noqa: S603 - git, read-only
            ["git", *args],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    changes = [line for line in git("status", "--porcelain").splitlines() if "bench/results/" not in line]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "dirty": bool(changes)}


def failures(results: dict[str, Any]) -> list[str]:
    runs = {"relay": results["relay"], "probe": results["probe"], "sustained": results["sustained"]}
    runs |= {f"e2e {rate}/s": run for rate, run in results["latency"].items()} | {"soak": results["soak"]}
    return [f"{name}: {run['error']}" for name, run in runs.items() if "error" in run]


def write_results(results: dict[str, Any], *, quick: bool) -> Path:
    """``bench/results/<date>[-quick].json`` and ``.md``; returns the markdown's path."""
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / (str(results["date"]) + ("-quick" if quick else ""))
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    markdown = stem.with_suffix(".md")
    markdown.write_text(render_results(results))
    return markdown


def main() -> None:
    # A SIGTERM (``timeout``, a CI runner) must still stop the brokers, stores and services it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = _parser().parse_args()
    plan = _plan(args)
    since = time.monotonic()
    head: dict[str, Any] = where() | {"platform": platform.platform(), "cpu_count": os.cpu_count()}
    head |= {"git": git_state(), "quick": args.quick, "started_at": _now()}
    results = head | run_suite(plan, discipline=args.stages_discipline, since=since)
    results["finished_at"] = _now()
    results["targets"] = [asdict(t) for t in evaluate_targets(results)]
    markdown = write_results(results, quick=args.quick)
    progress(f"wrote {markdown.relative_to(ROOT)} and its .json", since=since)
    if not args.no_readme and not args.quick:
        readme = ROOT / "README.md"
        link = markdown.relative_to(ROOT)
        section = summary(results) + f"\nThe run's figures in full, and how they are judged: [{link}]({link}).\n"
        readme.write_text(update_readme(readme.read_text(), section))
        progress("updated README.md's results section", since=since)
    failed = failures(results)
    for failure in failed:
        progress(f"FAILED {failure}", since=since)
    sys.exit(1 if failed else 0)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="every run short, for a smoke check")
    parser.add_argument("--no-readme", action="store_true", help="do not update README.md's results section")
    parser.add_argument("--skip-soak", action="store_true", help="leave out the memory soak")
    parser.add_argument(
        "--stages-discipline",
        choices=STAGES_DISCIPLINES,
        default="batched",
        help="the relay mode the stages' discipline matches, which the relay target is judged against",
    )
    for flag, help_ in [
        ("--relay-count", "relay messages per mode (at most)"),
        ("--relay-duration", "relay seconds per mode (at most)"),
        ("--latency-s", "seconds of each fixed-rate latency run"),
        ("--probe-rate", "the probe's offered rate, above capacity (default: twice the latency runs' best)"),
        ("--probe-s", "seconds of the probe"),
        ("--sustain-s", "seconds of the sustained run"),
        ("--soak-s", "seconds of the memory soak"),
        ("--soak-warmup-s", "seconds at the soak's start its verdict ignores"),
        ("--drain-s", "seconds to wait for alerts after a run's last send"),
    ]:
        parser.add_argument(flag, type=float, default=None, help=f"{help_} (overrides --quick)")
    return parser


def _plan(args: argparse.Namespace) -> Plan:
    base = QUICK if args.quick else Plan()
    overrides: dict[str, Any] = {
        "relay_count": None if args.relay_count is None else int(args.relay_count),
        "relay_duration_s": args.relay_duration,
        "latency_s": args.latency_s,
        "probe_rate": args.probe_rate,
        "probe_s": args.probe_s,
        "sustain_s": args.sustain_s,
        "soak_s": args.soak_s,
        "soak_warmup_s": args.soak_warmup_s,
        "drain_s": args.drain_s,
    }
    return replace(base, skip_soak=args.skip_soak, **{k: v for k, v in overrides.items() if v is not None})


if __name__ == "__main__":
    main()
