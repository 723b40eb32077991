"""The signal agent on a faust app of its own, run as a process: ``python -m tests.signal_app_support``.

The process reads ``PSO_SIGNAL_TEST_BOOTSTRAP``, ``_GROUP``, ``_TOPIC``, ``_PARTITIONS``, ``_DATADIR``,
``_OUTPUT`` and optionally ``_LOGLEVEL`` from the environment; its sink appends every alert it is given
to ``_OUTPUT`` as a JSON line.
The observation factory of the signal tests lives here too.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime
from pathlib import Path

import faust

from pso_notify.rules_config import SignalRules, Subject
from pso_notify.signal_agent import install_signal_agent
from pso_notify.signals import Observation
from pso_shared.messages.alerts import Alert
from pso_shared.types import CareSetting, Category, HarmDegree
from tests.faust_worker_support import run_worker, worker_app

ENV_PREFIX = "PSO_SIGNAL_TEST_"
RULES_VERSION = "signals-test.1"


def observation(
    event_id: str,
    org: str,
    at: datetime,
    *,
    subject: str | None = "x-100",
    kind: Subject | None = Subject.DEVICE_MODEL,
    category: Category = Category.DEVICE,
) -> Observation:
    """A cross-provider observation, or a spike one when ``subject`` and ``kind`` are ``None``."""
    return Observation(
        event_id=event_id,
        correlation_id=f"c-{event_id}",
        org_pseudonym=org,
        category=category,
        signal="cross_provider" if subject is not None else "spike",
        subject_kind=kind if subject is not None else None,
        subject=subject,
        observed_at=at,
        care_setting=CareSetting.HOSPITAL_INPATIENT,
        state="OH",
        harm_degree=HarmDegree.MILD,
        categories=[category],
        summary="Infusion pump alarm failed during a routine infusion.",
    )


def build_app(env: dict[str, str]) -> faust.App:
    """A faust app configured like the stream stages' (``pso_shared.stream_app``), with the signal agent."""
    partitions = int(env[f"{ENV_PREFIX}PARTITIONS"])
    output = Path(env[f"{ENV_PREFIX}OUTPUT"])
    app = worker_app(
        env[f"{ENV_PREFIX}GROUP"],
        bootstrap=env[f"{ENV_PREFIX}BOOTSTRAP"],
        datadir=env[f"{ENV_PREFIX}DATADIR"],
        partitions=partitions,
    )

    def append(line: str) -> None:
        with output.open("a", encoding="utf-8") as file:
            file.write(line + "\n")

    async def sink(alert: Alert) -> None:
        await asyncio.to_thread(append, alert.model_dump_json())

    async def dead_letter(_value: bytes, reason: str) -> None:
        await asyncio.to_thread(append, json.dumps({"dead_letter": reason}))

    install_signal_agent(
        app,
        topic=env[f"{ENV_PREFIX}TOPIC"],
        partitions=partitions,
        rules=SignalRules,
        rules_version=lambda: RULES_VERSION,
        sink=sink,
        dead_letter=dead_letter,
    )
    return app


def main() -> None:
    run_worker(build_app(dict(os.environ)), loglevel=os.environ.get(f"{ENV_PREFIX}LOGLEVEL", "INFO"))


if __name__ == "__main__":
    main()
