"""faust apps of the tests' own, run as worker processes: the app's settings, and the process.

A module ``tests.<name>_app_support`` builds its app with :func:`worker_app` and runs it with
:func:`run_worker`; the test drives it through :class:`WorkerProcess`.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import faust
import pytest

REPO = Path(__file__).resolve().parents[1]


def worker_app(group: str, *, bootstrap: str, datadir: str, partitions: int) -> faust.App:
    """A faust app configured like the stream stages' (``pso_shared.stream_app``), commits every 0.5 s."""
    return faust.App(
        group,
        broker=f"kafka://{bootstrap}",
        store="memory://",
        web_enabled=False,
        datadir=datadir,
        topic_replication_factor=1,
        topic_partitions=partitions,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=0.5,
        producer_acks=-1,
    )


def run_worker(app: faust.App, loglevel: str = "INFO") -> None:
    """Run ``app`` in this process until it is stopped (SIGTERM)."""
    worker = faust.Worker(app, loglevel=loglevel, quiet=True)
    worker.spinner = None
    worker.execute_from_commandline()


class WorkerProcess:
    """``python -m <module>`` with its own environment, its output in a log the test can show."""

    def __init__(self, module: str, *, env: Mapping[str, str], log: Path, name: str) -> None:
        self._argv = [sys.executable, "-m", module]
        self._env = dict(env)
        self._log = log
        self._name = name
        self._process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def spawn(self) -> None:
        self.starts += 1
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(self._argv, cwd=REPO, env=self._env, stdout=log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        """SIGTERM, as a deployment stops it; SIGKILL if it does not end in time."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def log_tail(self, *, whole: bool = False) -> str:
        text = self._log.read_text(errors="replace") if self._log.exists() else ""
        return text if whole else text[-4000:]

    def raise_if_exited(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            pytest.fail(f"the {self._name} exited with {self._process.returncode}:\n{self.log_tail()}")
