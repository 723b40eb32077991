"""Run the services as local processes: for ``pso run``, the end-to-end tests and benchmarks.

The four services are six processes: notify has its stream worker, its signals worker (the windowed
tables) and its API (subscriptions and the live stream).

The processes are children of the caller (not detached like the infrastructure), so they end with
it: ``stop()`` asks each to stop with SIGTERM and kills what does not stop in time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pso_deploy.process import wait_until
from pso_shared.errors import InfrastructureError

STAGES = ("deidentify", "classify", "notify")
NOTIFY_API = "notify-api"
NOTIFY_SIGNALS = "notify-signals"
SERVICES = ("intake", NOTIFY_API, *STAGES, NOTIFY_SIGNALS)


@dataclass(kw_only=True, frozen=True)
class PipelineConfig:
    """Where the services find the infrastructure, and where they keep logs and state."""

    kafka_bootstrap_servers: str
    store_uri: str
    store_database: str = "pso"
    topic_prefix: str = ""
    intake_port: int = 8080
    notify_api_port: int = 8081
    local_webhooks: bool = True
    """Let notify deliver to loopback addresses (the local receiver); never in production."""
    workdir: Path
    environment: str = "local"
    otlp_traces_endpoint: str | None = None
    """Where every service sends its spans by OTLP/HTTP (a local Jaeger's ``/v1/traces``); None: nowhere."""
    extra_env: dict[str, str] = field(default_factory=dict)
    metrics_ports: dict[str, int] = field(default_factory=dict)
    """Service name (``intake``, ``notify-api``...) -> the port of its Prometheus ``/metrics``; none: off."""

    def environment_of(self, service: str) -> dict[str, str]:
        """The ``PSO_<SERVICE>_*`` variables of one service (the notify API's are notify's)."""
        service = "notify" if service in (NOTIFY_API, NOTIFY_SIGNALS) else service
        prefix = f"PSO_{service.upper()}_"
        values = {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap_servers,
            "KAFKA_TOPIC_PREFIX": self.topic_prefix,
            "ENVIRONMENT": self.environment,
        }
        if self.otlp_traces_endpoint:
            values["OTLP_TRACES_ENDPOINT"] = self.otlp_traces_endpoint
        if service == "intake":
            values["PORT"] = str(self.intake_port)
        else:
            values["DATA_DIR"] = str(self.workdir / "faust")
        if service in {"intake", "deidentify", "notify"}:  # API keys, data keys, events
            values |= {"STORE_URI": self.store_uri, "STORE_DATABASE": self.store_database}
        if service == "notify":
            values["PORT"] = str(self.notify_api_port)
            values["ALLOW_LOOPBACK_DESTINATIONS"] = str(self.local_webhooks).lower()
        return {prefix + k: v for k, v in values.items()} | self.extra_env

    @property
    def intake_url(self) -> str:
        return f"http://127.0.0.1:{self.intake_port}"

    @property
    def notify_api_url(self) -> str:
        return f"http://127.0.0.1:{self.notify_api_port}"


def _command_of(service: str, metrics_port: int | None = None) -> list[str]:
    # A command-line option, not PSO_NOTIFY_METRICS_PORT: notify's three processes share that prefix.
    metrics = ["--metrics-port", str(metrics_port)] if metrics_port is not None else []
    if service == NOTIFY_API:
        return ["notify", "serve", *metrics]
    if service == NOTIFY_SIGNALS:
        return ["notify", "signals", *metrics]
    return [service, "serve" if service == "intake" else "worker", *metrics]


def _pso_command() -> str:
    """The ``pso`` script of the environment this code runs in."""
    candidate = Path(sys.executable).parent / "pso"
    if not candidate.exists():
        msg = f"the pso command is not installed next to {sys.executable}; run the README's set-up"
        raise InfrastructureError(msg)
    return str(candidate)


class PipelineProcesses:
    """The intake API and the three stream workers, each a child process with its own log."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: dict[str, IO[bytes]] = {}

    def log_file(self, service: str) -> Path:
        return self.config.workdir / "logs" / f"{service}.log"

    def start(self, service: str, *, replica: int = 1) -> str:
        """Start one service (``intake``, ``notify-api`` or a stage) unless it is already running; return
        its process name. A stream stage's ``replica`` 2, 3... is another worker of the same consumer
        group, named ``<stage>#<replica>`` (with no metrics port of its own)."""
        name = service if replica == 1 else f"{service}#{replica}"
        running = self._processes.get(name)
        if running is not None and running.poll() is None:
            return name
        metrics_port = self.config.metrics_ports.get(service) if replica == 1 else None
        argv = [_pso_command(), *_command_of(service, metrics_port)]
        self.log_file(name).parent.mkdir(parents=True, exist_ok=True)
        log = self._logs.get(name) or self.log_file(name).open("ab")
        self._logs[name] = log
        env = os.environ | self.config.environment_of(service)
        if replica != 1:  # faust keeps local state per worker
            prefix = service.split("-", maxsplit=1)[0].upper()
            env[f"PSO_{prefix}_DATA_DIR"] = str(self.config.workdir / f"faust-{replica}")
        self._processes[name] = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=self.config.workdir,
        )
        return name

    def is_running(self, name: str) -> bool:
        process = self._processes.get(name)
        return process is not None and process.poll() is None

    def start_all(self, *, timeout: float = 60.0) -> None:
        """Start every service and wait until intake reports Kafka reachable and the notify API answers."""
        self.config.workdir.mkdir(parents=True, exist_ok=True)
        for service in SERVICES:
            self.start(service)
        self.wait_ready(timeout=timeout)

    def wait_ready(self, *, timeout: float = 60.0) -> None:
        """Wait for the HTTP services that were started."""
        checks = {"intake": self.intake_ready, NOTIFY_API: self.notify_api_ready}
        for service, ready in checks.items():
            if service in self._processes:
                wait_until(
                    ready,
                    timeout=timeout,
                    on_timeout_message=f"{service} did not become ready",
                    log_files=[self.log_file(service)],
                )

    def intake_ready(self) -> bool:
        return self._answers(f"{self.config.intake_url}/readyz")

    def notify_api_ready(self) -> bool:
        return self._answers(f"{self.config.notify_api_url}/healthz")

    def _answers(self, url: str) -> bool:
        self.raise_if_exited()
        try:  # always http on loopback
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                return bool(response.status == 200)  # noqa: PLR2004
        except OSError:
            return False

    def raise_if_exited(self) -> None:
        """Fail fast, with the log's tail, when a service has died."""
        for service, process in self._processes.items():
            if process.poll() is not None:
                wait_until(
                    lambda: False,
                    timeout=0,
                    on_timeout_message=f"{service} exited with status {process.returncode}",
                    log_files=[self.log_file(service)],
                )

    def pids(self) -> dict[str, int]:
        """The running services' process ids."""
        return {name: p.pid for name, p in self._processes.items() if p.poll() is None}

    def stop(self, name: str, *, hard: bool = False, timeout: float = 20.0) -> None:
        """Stop a process (a service, or a replica by its name): SIGTERM, or SIGKILL if ``hard``."""
        process = self._processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)

    def stop_all(self, *, timeout: float = 20.0) -> None:
        """Ask every service to stop at once, then wait for each; kill what is still up after ``timeout``."""
        processes = [p for p in self._processes.values() if p.poll() is None]
        self._processes.clear()
        for process in processes:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in processes:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        for log in self._logs.values():
            log.close()
        self._logs.clear()
