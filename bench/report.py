"""The suite's results as markdown, its targets judged, and the README's results section replaced.

Pure functions over the results dict ``bench/suite.py`` writes as JSON, so a results file can be
rendered again, and the rules tested, without running anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

README_START = "<!-- bench-results:start -->"
README_END = "<!-- bench-results:end -->"
SUSTAINED_MIN_PER_S = 1000.0
RELAY_FRACTION_MIN = 0.5
LATENCY_RATE = "50"
P50_MAX_MS = 25.0
P99_MAX_MS = 100.0


@dataclass(frozen=True, kw_only=True)
class Target:
    """One of the issue's targets: what was measured, and whether it was met (None: not measured)."""

    target: str
    measured: str
    met: bool | None


def update_readme(readme_text: str, table_md: str) -> str:
    """``readme_text`` with the lines between the results markers replaced by ``table_md``.

    Raises:
        ValueError: a marker is missing, repeated, or the end comes before the start.
    """
    lines = readme_text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == README_START]
    ends = [i for i, line in enumerate(lines) if line.strip() == README_END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        msg = (
            f"README must contain one line {README_START!r} followed later by one line {README_END!r} "
            f"(found {len(starts)} start and {len(ends)} end markers)"
        )
        raise ValueError(msg)
    body = table_md if table_md.endswith("\n") else table_md + "\n"
    return "".join([*lines[: starts[0] + 1], body, *lines[ends[0] :]])


# --- targets -------------------------------------------------------------------------------------


def evaluate_targets(results: dict[str, Any]) -> list[Target]:
    """The issue's targets, judged on ``results`` by the rules the results file's notes state."""
    return [
        _sustained_target(results.get("sustained")),
        _relay_target(results.get("sustained"), results.get("relay"), str(results.get("stages_discipline"))),
        _latency_target("p50", P50_MAX_MS, results.get("latency", {}).get(LATENCY_RATE)),
        _latency_target("p99", P99_MAX_MS, results.get("latency", {}).get(LATENCY_RATE)),
        _memory_target(results.get("soak")),
    ]


def _measured(run: dict[str, Any] | None) -> bool:
    return isinstance(run, dict) and "error" not in run and "skipped" not in run


def _sustained_target(run: dict[str, Any] | None) -> Target:
    name = f"full pipeline sustains ≥ {SUSTAINED_MIN_PER_S:,.0f} events/s"
    if run is None or not _measured(run):
        return Target(target=name, measured=_why_not(run), met=None)
    throughput = float(run["throughput_events_per_s"])
    measured = f"{throughput:,.1f} events/s at {run['offered_rate_per_s']:,.1f}/s offered; " + _kept(run)
    return Target(target=name, measured=measured, met=bool(run["kept_up"]) and throughput >= SUSTAINED_MIN_PER_S)


def _relay_target(run: dict[str, Any] | None, relay: dict[str, Any] | None, discipline: str) -> Target:
    name = f"sustained ≥ {RELAY_FRACTION_MIN:g} x relay throughput (judged against relay {discipline})"
    if run is None or not _measured(run) or relay is None or not _measured(relay):
        return Target(target=name, measured=_why_not(run if run is None or not _measured(run) else relay), met=None)
    throughput = float(run["throughput_events_per_s"])
    ratios = {
        mode: throughput / float(figures["events_per_s"])
        for mode, figures in relay["runs"].items()
        if float(figures.get("events_per_s") or 0) > 0
    }
    parts = [f"{ratios[m]:.3f} of {discipline_label(m)} ({relay['runs'][m]['events_per_s']:,.1f}/s)" for m in ratios]
    measured = "; ".join(parts) or "relay delivered nothing"
    if discipline not in ratios:
        return Target(target=name, measured=measured, met=None)
    return Target(target=name, measured=measured, met=bool(run["kept_up"]) and ratios[discipline] >= RELAY_FRACTION_MIN)


def _latency_target(quantile: str, limit_ms: float, run: dict[str, Any] | None) -> Target:
    name = f"{quantile} ≤ {limit_ms:g} ms accept → webhook at {LATENCY_RATE}/s"
    if run is None or not _measured(run) or run.get("latency_ms_accept_to_webhook") is None:
        return Target(target=name, measured=_why_not(run), met=None)
    value = float(run["latency_ms_accept_to_webhook"][quantile])
    missing = int(run["offered"]) - int(run["delivered"])
    if missing:
        # An undelivered report's latency is unknown but longer than the run: a percentile over the rest flatters.
        not_accepted = int(run["offered"]) - int(run["accepted"])
        measured = (
            f"{format_ms(value)} over the delivered; {missing} of {run['offered']} offered not delivered "
            f"({not_accepted} not accepted, backlog {run['not_delivered']})"
        )
        return Target(target=name, measured=measured, met=False)
    return Target(target=name, measured=f"{format_ms(value)} (all {run['delivered']} delivered)", met=value <= limit_ms)


INFRASTRUCTURE = frozenset({"kafka", "ferretdb"})
"""Sampled and shown, not judged: the target is the services' memory. The broker's JVM grows into its
fixed heap (``-Xms`` reserves it, pages are touched as used) and the store's cache fills, by design."""


def _memory_target(soak: dict[str, Any] | None) -> Target:
    name = "memory of every service flat over the soak"
    if soak is None or not _measured(soak):
        return Target(target=name, measured=_why_not(soak), met=None)
    memory: dict[str, dict[str, Any] | None] = {p: v for p, v in soak["memory"].items() if p not in INFRASTRUCTURE}
    not_flat = [p for p, v in memory.items() if v is None or not v["flat"]]
    minutes = f"{float(soak['duration_s']) / 60:g} min at {soak['rate_per_s']:g}/s"
    if not memory:
        return Target(target=name, measured=f"no process sampled ({minutes})", met=False)
    if not_flat:
        return Target(target=name, measured=f"not flat: {', '.join(not_flat)} ({minutes})", met=False)
    return Target(target=name, measured=f"all {len(memory)} flat ({minutes})", met=True)


def _why_not(run: dict[str, Any] | None) -> str:
    if run is None:
        return "not run"
    if "skipped" in run:
        return f"not run: {run['skipped']}"
    return f"failed: {run.get('error', 'no figures')}"


def _kept(run: dict[str, Any]) -> str:
    return "kept up" if run["kept_up"] else f"did not keep up ({run['kept_up_reason']})"


# --- markdown ------------------------------------------------------------------------------------


def discipline_label(mode: str) -> str:
    return {"one-at-a-time": "one at a time", "batched": "batched"}.get(mode, mode)


def format_ms(ms: float | None) -> str:
    """A latency as a reader takes it in: milliseconds below a second, seconds above."""
    if ms is None:
        return "—"
    return f"{ms:,.1f} ms" if ms < 1000 else f"{ms / 1000:,.2f} s"


def _yes(met: bool | None) -> str:
    return "not measured" if met is None else ("**yes**" if met else "**no**")


def targets_table(targets: list[Target]) -> str:
    rows = [f"| {t.target} | {t.measured} | {_yes(t.met)} |" for t in targets]
    return "\n".join(["| target | measured | met |", "|---|---|---|", *rows])


def figures_table(results: dict[str, Any]) -> str:
    """One row per run: the relay's modes, the fixed-rate runs, the probe, the sustained run and the soak."""
    header = [
        "| run | offered | accepted | delivered | not delivered | events/s | p50 | p95 | p99 | kept up |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows = _relay_rows(results.get("relay"))
    for rate, run in results.get("latency", {}).items():
        rows.append(_e2e_row(f"e2e {rate}/s", run))
    rows.append(_e2e_row("e2e probe", results.get("probe"), steady=True))
    rows.append(_e2e_row("e2e sustained", results.get("sustained")))
    soak = results.get("soak")
    rows.append(_e2e_row("e2e soak", soak.get("run", soak) if isinstance(soak, dict) else soak))
    return "\n".join([*header, *rows])


def _relay_rows(relay: dict[str, Any] | None) -> list[str]:
    if relay is None or not _measured(relay):
        return [f"| relay | {_why_not(relay)} | | | | | | | | |"]
    rows = []
    for mode, run in relay["runs"].items():
        latency = run.get("latency_ms") or {}
        cells = [
            f"relay {discipline_label(mode)}, {run['load']}",
            f"{run['sent']:,}",
            "",
            f"{run['messages']:,}",
            f"{run['lost']:,}",
            f"{run['events_per_s']:,.1f}",
            *(format_ms(latency.get(q)) for q in ("p50", "p95", "p99")),
            "",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _e2e_row(name: str, run: dict[str, Any] | None, *, steady: bool = False) -> str:
    if run is None or not _measured(run):
        return f"| {name} | {_why_not(run)} | | | | | | | | |"
    window = f" for {run['send_window_s']:g} s" if run.get("send_window_s") else ""
    throughput = f"{run['throughput_events_per_s']:,.1f}"
    if steady and "steady_throughput_events_per_s" in run:
        start, end = run["steady_window_s"]
        throughput = f"{run['steady_throughput_events_per_s']:,.1f} (steady, {start:g}-{end:g} s)"
    latency = run.get("latency_ms_accept_to_webhook") or {}
    cells = [
        f"{name}, {run['offered_rate_per_s']:,.1f}/s{window}",
        f"{run['offered']:,}",
        f"{run['accepted']:,}",
        f"{run['delivered']:,}",
        f"{run['not_delivered']:,}",
        throughput,
        *(format_ms(latency.get(q)) for q in ("p50", "p95", "p99")),
        "yes" if run["kept_up"] else "no",
    ]
    return "| " + " | ".join(cells) + " |"


def memory_table(soak: dict[str, Any] | None) -> str:
    if soak is None or not _measured(soak):
        return f"Memory soak: {_why_not(soak)}."
    rows = ["| process | start MB | end MB | slope MB/min | flat |", "|---|---|---|---|---|"]
    for process, verdict in soak["memory"].items():
        if verdict is None:
            rows.append(f"| {process} | | | | no sample after the warm-up |")
            continue
        flat = "yes" if verdict["flat"] else f"no: {verdict['reason']}"
        rows.append(
            f"| {process} | {verdict['start_mb']:,.1f} | {verdict['end_mb']:,.1f} "
            f"| {verdict['slope_mb_per_min']:+.2f} | {flat} |"
        )
    return "\n".join(rows)


def summary(results: dict[str, Any]) -> str:
    """The targets, the figures and the memory tables under one line saying what was measured where:
    the README's section and the head of the results file."""
    git = results.get("git", {})
    dirty = " (with uncommitted changes)" if git.get("dirty") else ""
    quick = (
        " **Quick run (`--quick`): short smoke-check durations, not a measurement.**" if results.get("quick") else ""
    )
    head = f"Run of {results.get('date')} at commit `{git.get('commit')}`{dirty} on {results.get('machine')}.{quick}"
    targets = [Target(**t) for t in results["targets"]] if "targets" in results else evaluate_targets(results)
    return "\n\n".join([head, targets_table(targets), figures_table(results), memory_table(results.get("soak"))]) + "\n"


NOTES = """\
## How the figures are taken and the targets judged

- Every e2e run has a pipeline of its own (broker, store, the services), so one run's backlog never
  slows the next. Reports are sent open loop at a fixed rate; a run with a window stops sending at its
  end, and what the load generator could not send on time counts as offered but not accepted.
- Each pipeline run starts with a warm-up: 5 s of other reports at the run's rate (at most 50/s),
  every alert arrived, left out of every figure (its counts are in the JSON under `warmup`). A cold
  pipeline takes a second or two to reach its pace, and that start alone made a one-minute run's p99.
- Latency is from intake's 202 to the alert's arrival at the local webhook receiver. Percentiles are
  over the delivered reports only (the JSON says how many were left out); a latency target is met only
  if every offered report was delivered, since a missing one's latency is unknown but long.
- *Kept up*: every offered report accepted and every accepted one delivered within the drain
  (`drain_timeout_s` after the last send).
- The maximum sustainable rate is the probe's delivered throughput over its steady part (from a third
  of its window to the window's end) while offered more than it can take (by default twice the best
  rate the latency runs delivered: a far higher rate lets intake and the load generator take the CPU
  the stages need, and measures less); the sustained run offers
  0.9 x that figure. The sustained targets are met only if that run kept up.
- The relay ratio is judged against the relay mode whose discipline matches the stages' (the suite's
  `--stages-discipline`, recorded in the JSON as `stages_discipline`): one at a time if each stage
  awaits each produce before the next message, batched if it takes a batch per fetch (the stages
  do, since issue 8). Both ratios are shown.
- The memory target is judged on the services (intake, deidentify, classify, notify's worker, signals
  worker and API); the broker and the store are sampled and shown too, not judged.
- Memory is flat for a process if, after the warm-up, the least-squares slope of its RSS is below
  1 MB/min and the last window's mean is within max(10 MB, 5 %) of the first window's (the rule's
  figures are in the JSON under `soak.rule`). The soak runs at min(50, 0.8 x the maximum sustainable).
- The machine is shared: the load average before and after each run is in the JSON.
"""


def render_results(results: dict[str, Any]) -> str:
    """The dated results file: the summary, then how it was measured and judged."""
    title = f"# Benchmark results, {results.get('date')}{' (quick)' if results.get('quick') else ''}"
    return "\n\n".join([title, summary(results).rstrip("\n"), NOTES])
