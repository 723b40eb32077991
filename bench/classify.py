"""Classifier benchmark: narratives classified per second on one core. Prints JSON.

The narratives are the labelled corpus's, de-identified first as in the stream; the timed call is
the stage's own function, ``classify``, with the reporters' labels removed so that every report goes
through the models and the rules.

    .venv/bin/python bench/classify.py --rounds 5
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from pso_classify.corpus import corpus_parts, load_corpus
from pso_classify.evaluation import model_input
from pso_classify.model import artefact, classify
from timing import time_each, where

PARTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "classify" / "parts"


def run(rounds: int) -> dict[str, Any]:
    started = time.perf_counter()
    artefact()  # loading the model is start-up cost, not per narrative
    load_s = time.perf_counter() - started
    events = [model_input(r) for r in load_corpus(corpus_parts(PARTS), "all")]
    timed = time_each(events, classify, rounds=rounds)
    return {
        **where(),  # after the run: its peak memory included
        **timed,
        "narrative_chars_mean": round(sum(len(e.narrative) for e in events) / len(events)),
        "model_load_s": round(load_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Classifier benchmark")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the corpus")
    print(json.dumps(run(parser.parse_args().rounds), indent=2))


if __name__ == "__main__":
    main()
