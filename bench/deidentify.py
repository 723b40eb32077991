"""De-identification benchmark: narratives of about 1.5 KB per second on one core.

The narratives are the labelled corpus's, each cut or extended at a word boundary to 1,500
characters, with their reports' structured identifiers; the timed call is the stage's own function,
``deidentify_record`` (narrative scrub plus structured fields). One process, one thread. Prints JSON.

    .venv/bin/python bench/deidentify.py --rounds 5
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from pso_deidentify.evaluation import load_corpus
from pso_deidentify.policy import SAFE_HARBOR
from pso_deidentify.scrubber import narrative_scrubber
from pso_deidentify.transform import deidentify_record
from pso_shared.report import EventReport
from timing import time_each, where

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
    timed = time_each(reports, lambda r: deidentify_record(r, policy=SAFE_HARBOR, key=key), rounds=rounds)
    return {
        **where(),  # after the run: its peak memory included
        **timed,
        "narrative_chars_mean": round(sum(len(r.narrative) for r in reports) / len(reports)),
        "lexicon_load_s": round(load_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="De-identification benchmark")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the corpus")
    print(json.dumps(run(parser.parse_args().rounds), indent=2))


if __name__ == "__main__":
    main()
