"""A faust app whose one agent takes batches with ``take_ready``, run as a process:
``python -m tests.take_app_support``.

It reads ``PSO_TAKE_TEST_BOOTSTRAP``, ``_GROUP``, ``_TOPIC``, ``_DATADIR``, ``_OUTPUT``, ``_MAX`` and
``_LINGER_S`` from the environment and appends each batch it is given to ``_OUTPUT`` as a JSON list of
the messages' values.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import faust

from pso_shared.take import take_ready
from tests.faust_worker_support import run_worker, worker_app

ENV_PREFIX = "PSO_TAKE_TEST_"


def build_app(env: dict[str, str]) -> faust.App:
    """An app configured like the stream stages' (``pso_shared.stream_app``), with one batching agent."""
    output = Path(env[f"{ENV_PREFIX}OUTPUT"])
    batch_max, linger_s = int(env[f"{ENV_PREFIX}MAX"]), float(env[f"{ENV_PREFIX}LINGER_S"])
    group, bootstrap, datadir = (env[f"{ENV_PREFIX}{name}"] for name in ("GROUP", "BOOTSTRAP", "DATADIR"))
    app = worker_app(group, bootstrap=bootstrap, datadir=datadir, partitions=1)
    source = app.topic(env[f"{ENV_PREFIX}TOPIC"], value_serializer="raw", key_serializer="raw")

    def append(line: str) -> None:
        with output.open("a", encoding="utf-8") as file:
            file.write(line + "\n")

    @app.agent(source, concurrency=1)
    async def consume(stream: faust.StreamT[bytes]) -> None:
        async for events in take_ready(stream, batch_max, linger_s):
            await asyncio.to_thread(append, json.dumps([event.value.decode() for event in events]))

    return app


def main() -> None:
    run_worker(build_app(dict(os.environ)))


if __name__ == "__main__":
    main()
