"""Resident memory of several processes, sampled every few seconds in a background thread (for the soak)."""

from __future__ import annotations

import threading
import time
from types import TracebackType

from timing import rss_mb
from verdicts import Sample


class RssSampler:
    """Reads every process's RSS at ``started`` and then every ``every_s`` seconds until stopped.

    A thread rather than a task: the load generator's event loop is busy, and a sample taken late by
    it would skew the series' times. A process that has exited is no longer sampled.
    """

    def __init__(self, pids: dict[str, int], every_s: float) -> None:
        self._pids = dict(pids)
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, name="rss-sampler", daemon=True)
        self._origin = 0.0
        self.series: dict[str, list[Sample]] = {name: [] for name in pids}

    def start(self, origin: float) -> RssSampler:
        """Begin sampling; times are seconds since ``origin`` (a ``time.monotonic()`` value)."""
        self._origin = origin
        self._thread.start()
        return self

    def stop(self) -> dict[str, list[Sample]]:
        """Stop sampling and return each process's series."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self._every_s + 5)
        return self.series

    def __enter__(self) -> RssSampler:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def _sample_until_stopped(self) -> None:
        while True:
            now = round(time.monotonic() - self._origin, 2)
            for name, pid in list(self._pids.items()):
                try:
                    self.series[name].append((now, rss_mb(pid)))
                except OSError:  # exited: its series ends here
                    del self._pids[name]
            if self._stop.wait(self._every_s):
                return
