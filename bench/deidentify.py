"""De-identification benchmark: narratives of about 1.5 KB per second on one core.

The narratives are the labelled corpus's, each cut or extended at a word boundary to 1,500
characters, with their reports' structured identifiers; the timed call is the stage's own function,
``deidentify_record`` (narrative scrub plus structured fields). One process, one thread. Prints JSON.

    .venv/bin/python bench/deidentify.py --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pso_deidentify.evaluation import load_corpus
from pso_deidentify.policy import SAFE_HARBOR
from pso_deidentify.scrubber import narrative_scrubber
from pso_deidentify.transform import deidentify_record
from pso_shared.report import EventReport

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "deid" / "corpus.jsonl"
SIZE = 1500


def reports_of_size(size: int) -> list[EventReport]:
    with CORPUS.open() as lines:
        records = load_corpus(lines, "all")
    texts = [r.report.narrative for r in records]
    out = []
    for i, record in enumerate(records):
        text = record.report.narrative
        j = i
        while len(text) < size:  # extend short narratives with the next ones
            j = (j + 1) % len(texts)
            text = f"{text} {texts[j]}"
        cut = text.rfind(" ", 0, size)
        out.append(record.report.model_copy(update={"narrative": text[: cut if cut > 0 else size]}))
    return out


def run(rounds: int) -> dict[str, Any]:
    started = time.perf_counter()
    narrative_scrubber()  # loading the word lists and compiling the patterns is start-up cost
    load_s = time.perf_counter() - started
    reports = reports_of_size(SIZE)
    key = b"bench-key"
    latencies: list[float] = []
    start = time.process_time()
    for _ in range(rounds):
        for report in reports:
            t = time.perf_counter()
            deidentify_record(report, policy=SAFE_HARBOR, key=key)
            latencies.append((time.perf_counter() - t) * 1e6)
    cpu = time.process_time() - start
    latencies.sort()
    return {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "narratives": len(latencies),
        "narrative_chars_mean": round(sum(len(r.narrative) for r in reports) / len(reports)),
        "narratives_per_cpu_s": round(len(latencies) / cpu, 1),
        "latency_us": {
            "p50": round(latencies[len(latencies) // 2]),
            "p99": round(latencies[int(len(latencies) * 0.99)]),
            "max": round(latencies[-1]),
        },
        "lexicon_load_s": round(load_s, 2),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="De-identification benchmark")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the corpus")
    print(json.dumps(run(parser.parse_args().rounds), indent=2))


if __name__ == "__main__":
    main()
