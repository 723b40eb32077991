"""A single-node Apache Kafka broker (KRaft combined mode) run straight from the jars, no Docker.

``install`` resolves the jars listed in ``deploy/kafka/pom.xml`` into the cache with Maven, once.
``start`` writes the broker's configuration into its workdir, formats the storage the first time,
and launches ``kafka.Kafka`` on the JVM in the background. The workdir holds everything of one broker::

    <workdir>/server.properties  log4j2.xml  data/  server.log  stdout.log  kafka.pid
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from pso_deploy.paths import (
    LOCALHOST,
    MAX_PORT,
    default_cache_dir,
    port_accepts_connections,
    repo_root,
)
from pso_deploy.process import (
    keep_previous_log,
    logs_excerpt,
    running_pid,
    start_detached,
    stop_process,
    wait_until,
)
from pso_deploy.tools import (
    read_install_marker,
    require_tool,
    run_tool,
    write_install_marker,
)
from pso_shared.errors import InfrastructureError

__all__ = ["KafkaBroker", "KafkaConfig"]

MIN_HEAP_MB = 128
MAX_HEAP_MB = 1024
# Kafka logs this once the broker and its controller are both serving requests.
_STARTED_LINE = "Kafka Server started"


@dataclass(kw_only=True, frozen=True)
class KafkaConfig:
    """Where and how one local broker runs.

    Attributes:
        workdir: Holds the broker's configuration, data, logs and pid file.
        port: The client (PLAINTEXT) port on 127.0.0.1.
        controller_port: The KRaft controller port on 127.0.0.1.
        heap_mb: JVM heap in MiB, between 128 and 1024: enough for the pipeline's test volumes
            without crowding a laptop.
        cache_dir: Where the Kafka jars are cached, shared by every workdir.
    """

    workdir: Path
    port: int = 9092
    controller_port: int = 9093
    heap_mb: int = 1024
    cache_dir: Path = field(default_factory=default_cache_dir)

    def __post_init__(self) -> None:
        """Reject settings the broker would only fail on later, with a less clear message.

        Raises:
            ValueError: The heap is out of range, a port is invalid, or both ports are the same.
        """
        if not MIN_HEAP_MB <= self.heap_mb <= MAX_HEAP_MB:
            msg = f"heap_mb must be between {MIN_HEAP_MB} and {MAX_HEAP_MB}, got {self.heap_mb}"
            raise ValueError(msg)
        for name, port in (
            ("port", self.port),
            ("controller_port", self.controller_port),
        ):
            if not 0 < port <= MAX_PORT:
                msg = f"{name} must be a TCP port (1-65535), got {port}"
                raise ValueError(msg)
        if self.port == self.controller_port:
            msg = f"port and controller_port must differ, both are {self.port}"
            raise ValueError(msg)


class KafkaBroker:
    """One local Kafka broker, controlled through its workdir."""

    def __init__(self, config: KafkaConfig) -> None:
        """Bind the broker to its configuration; nothing is started or written yet.

        Args:
            config: Where and how the broker runs.
        """
        self._config = config
        # Absolute, because the path is also the marker that identifies our JVM among processes.
        self._workdir = config.workdir.resolve()
        self._properties = self._workdir / "server.properties"
        self._log_config = self._workdir / "log4j2.xml"
        self._data_dir = self._workdir / "data"
        self._server_log = self._workdir / "server.log"
        self._stdout_log = self._workdir / "stdout.log"
        self._pid_file = self._workdir / "kafka.pid"

    @property
    def config(self) -> KafkaConfig:
        """The configuration this broker was created with."""
        return self._config

    @property
    def bootstrap_servers(self) -> str:
        """The address clients connect to, ``127.0.0.1:<port>``."""
        return f"{LOCALHOST}:{self._config.port}"

    def install(self) -> Path:
        """Fetch the Kafka jars into the cache unless a previous install completed.

        Returns:
            The directory holding the jars (the broker's classpath).

        Raises:
            MissingToolError: Maven is needed and not installed.
            InfrastructureError: Maven failed.
        """
        pom = repo_root() / "deploy" / "kafka" / "pom.xml"
        libs = self._config.cache_dir / "kafka" / "libs"
        # The pom's hash, so that a Kafka version bump refetches instead of mixing old and new jars.
        fingerprint = hashlib.sha256(pom.read_bytes()).hexdigest()
        if read_install_marker(libs) == fingerprint:
            return libs
        mvn = require_tool("mvn", "fetch the Kafka jars")
        libs.parent.mkdir(parents=True, exist_ok=True)
        # Fetch into a private folder and move it into place whole, so that an interrupted or
        # concurrent install never leaves a half-filled classpath behind.
        staging = Path(tempfile.mkdtemp(prefix="libs-", dir=libs.parent))
        try:
            run_tool(
                [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
                 f"-DoutputDirectory={staging}", "-DincludeScope=runtime"],
                purpose="fetch the Kafka jars with Maven",
            )  # fmt: skip
            if not any(staging.glob("kafka_2.13-*.jar")):
                msg = f"Maven finished but no kafka_2.13 jar arrived in {staging}; check {pom}."
                raise InfrastructureError(msg)
            write_install_marker(staging, fingerprint)
            if read_install_marker(libs) != fingerprint:
                shutil.rmtree(libs, ignore_errors=True)
                staging.rename(libs)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return libs

    def start(self, timeout: float = 90.0) -> None:
        """Start the broker and wait until it serves clients; do nothing if it already runs.

        Args:
            timeout: Seconds to wait for the broker to be ready.

        Raises:
            MissingToolError: ``java`` (or ``mvn``, for a first install) is not installed.
            InfrastructureError: A port is taken, or the broker exited or was not ready in time;
                the message carries the end of its log.
        """
        if self.is_running():
            self._wait_ready(timeout)
            return
        java = require_tool("java", "run the Kafka broker")
        classpath = f"{self.install()}/*"
        self._refuse_taken_ports()
        self._data_dir.mkdir(parents=True, exist_ok=True)
        self._properties.write_text(_server_properties(self._config, self._data_dir), encoding="utf-8")
        self._log_config.write_text(_log4j2_xml(self._server_log), encoding="utf-8")
        keep_previous_log(self._server_log)
        keep_previous_log(self._stdout_log)
        jvm_options = [f"-Dlog4j2.configurationFile={self._log_config}", "-cp", classpath]
        self._format_storage_once([java, *jvm_options])
        heap = f"{self._config.heap_mb}m"
        start_detached(
            [java, f"-Xmx{heap}", f"-Xms{heap}", "-XX:+ExitOnOutOfMemoryError", *jvm_options,
             "kafka.Kafka", str(self._properties)],
            output_file=self._stdout_log,
            pid_file=self._pid_file,
            cwd=self._workdir,
        )  # fmt: skip
        self._wait_ready(timeout)

    def stop(self, *, hard: bool = False, timeout: float = 30.0) -> None:
        """Stop the broker; do nothing if it is not running.

        Args:
            hard: Kill at once (SIGKILL) instead of a controlled shutdown.
            timeout: Seconds to wait for a controlled shutdown before killing.

        Raises:
            InfrastructureError: The broker did not exit even when killed.
        """
        stop_process(self._pid_file, str(self._properties), hard=hard, timeout=timeout)

    def is_running(self) -> bool:
        """Tell whether this workdir's broker process is alive (not whether it is ready yet)."""
        return running_pid(self._pid_file, str(self._properties)) is not None

    def _refuse_taken_ports(self) -> None:
        for port in (self._config.port, self._config.controller_port):
            if port_accepts_connections(port):
                msg = (
                    f"Cannot start Kafka from {self._workdir}: port {port} on {LOCALHOST} is "
                    "already in use by another process (another broker?). Stop it or choose other ports."
                )
                raise InfrastructureError(msg)

    def _format_storage_once(self, java_command: list[str]) -> None:
        # meta.properties is written by the format step; formatting again would refuse (or, with
        # --ignore-formatted, silently keep) the existing cluster id, so skip it instead.
        if (self._data_dir / "meta.properties").exists():
            return
        storage_tool = [*java_command, "kafka.tools.StorageTool"]
        cluster_id = run_tool([*storage_tool, "random-uuid"], purpose="create a Kafka cluster id").strip()
        run_tool(
            [*storage_tool, "format", "-t", cluster_id, "-c", str(self._properties)],
            purpose=f"format the Kafka storage in {self._data_dir}",
        )

    def _wait_ready(self, timeout: float) -> None:
        wait_until(
            self._is_ready,
            timeout=timeout,
            on_timeout_message=f"Kafka at {self.bootstrap_servers} ({self._workdir}) did not become ready",
            log_files=(self._server_log, self._stdout_log),
        )

    def _is_ready(self) -> bool:
        if not self.is_running():
            excerpt = logs_excerpt((self._server_log, self._stdout_log))
            msg = f"Kafka (workdir {self._workdir}) exited during startup.{excerpt}"
            raise InfrastructureError(msg)
        # The open port alone is not enough: the socket server listens before the broker has
        # caught up with the metadata log and can create topics.
        return port_accepts_connections(self._config.port) and _log_mentions(self._server_log, _STARTED_LINE)


def _server_properties(config: KafkaConfig, data_dir: Path) -> str:
    port, cport = config.port, config.controller_port
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        # Static voters rather than a dynamic quorum: one node never changes its quorum, and
        # `StorageTool format` then needs no --standalone flag.
        "controller.quorum.voters": f"1@{LOCALHOST}:{cport}",
        "listeners": f"PLAINTEXT://{LOCALHOST}:{port},CONTROLLER://{LOCALHOST}:{cport}",
        "advertised.listeners": f"PLAINTEXT://{LOCALHOST}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data_dir),
        "num.partitions": "1",
        # A single broker cannot hold more than one replica of the internal topics.
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # Tests start a consumer group right away; the default 3 s delay would only slow them.
        "group.initial.rebalance.delay.ms": "0",
        # The pipeline creates its topics explicitly, so a typo in a topic name fails loudly.
        "auto.create.topics.enable": "false",
    }
    lines = [f"{key}={value}" for key, value in settings.items()]
    return "# Written by pso_deploy on every start; edits are overwritten.\n" + "\n".join(lines) + "\n"


def _log4j2_xml(log_file: Path) -> str:
    # XML rather than YAML: log4j2 needs Jackson for YAML, which the Kafka jars do not bring.
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by pso_deploy on every start; edits are overwritten.
     shutdownHook="disable": otherwise log4j closes the log while Kafka's own shutdown hook is still
     shutting down, and the last lines, which say whether the shutdown was clean, are lost. -->
<Configuration status="warn" shutdownHook="disable">
  <Appenders>
    <File name="server" fileName={quoteattr(str(log_file))} append="true">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Root level="info">
      <AppenderRef ref="server"/>
    </Root>
  </Loggers>
</Configuration>
"""


def _log_mentions(log_file: Path, text: str) -> bool:
    try:
        return text in log_file.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return False
