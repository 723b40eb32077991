"""A local Jaeger v2 trace viewer built from source with Go, no Docker: traces kept in memory.

``install`` builds the ``jaeger`` binary (``cmd/jaeger`` of the module pinned in
``deploy/jaeger/tools/go.mod``, which is Jaeger v2, an OpenTelemetry Collector distribution) into the
cache, once. ``start`` runs it on one workdir with ``deploy/jaeger/config.yaml``::

    <workdir>/config.yaml  jaeger.log  jaeger.pid

The services export OTLP to :attr:`JaegerServer.otlp_traces_endpoint` (or the gRPC one), and people read
the traces at :attr:`JaegerServer.ui_url`. The Go module carries no web UI assets, so the UI there is our
own viewer, ``deploy/jaeger/ui``, on Jaeger's HTTP query API.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import httpx

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

__all__ = ["JaegerConfig", "JaegerServer"]

_MODULE = "github.com/jaegertracing/jaeger"
_VERSION_VARIABLE = f"{_MODULE}/internal/version.latestVersion"
# The machines have 2 cores shared with the broker, the store and the tests: a build on both cores
# starves them into timeouts, so the build takes one core and longer.
_BUILD_FLAGS = ("-p", "1", "-trimpath")
# Without the symbol table and DWARF data the binary is about a third smaller.
_LDFLAGS = "-s -w"
_PROBE_TIMEOUT_SECONDS = 1.0


@dataclass(kw_only=True, frozen=True)
class JaegerConfig:
    """Where and how one local Jaeger runs.

    Attributes:
        workdir: Holds the config Jaeger runs with, its log and pid file (the traces stay in memory).
        otlp_grpc_port: The OTLP/gRPC receiver on 127.0.0.1.
        otlp_http_port: The OTLP/HTTP receiver on 127.0.0.1.
        ui_port: The web UI and the HTTP query API on 127.0.0.1.
        cache_dir: Where the built binary and Go's module and build caches live, shared by every workdir.
    """

    workdir: Path
    otlp_grpc_port: int = 4317
    otlp_http_port: int = 4318
    ui_port: int = 16686
    cache_dir: Path = field(default_factory=default_cache_dir)

    def __post_init__(self) -> None:
        """Reject ports Jaeger would only fail on later.

        Raises:
            ValueError: A port is not a TCP port, or two ports are the same.
        """
        ports = {"otlp_grpc_port": self.otlp_grpc_port, "otlp_http_port": self.otlp_http_port, "ui_port": self.ui_port}
        for name, port in ports.items():
            if not 0 < port <= MAX_PORT:
                msg = f"{name} must be a TCP port (1-65535), got {port}"
                raise ValueError(msg)
        if len(set(ports.values())) != len(ports):
            msg = f"otlp_grpc_port, otlp_http_port and ui_port must differ, got {sorted(ports.values())}"
            raise ValueError(msg)

    @property
    def ports(self) -> tuple[int, int, int]:
        """The ports Jaeger listens on: OTLP/gRPC, OTLP/HTTP, UI."""
        return (self.otlp_grpc_port, self.otlp_http_port, self.ui_port)


class JaegerServer:
    """One local Jaeger, controlled through its workdir."""

    def __init__(self, config: JaegerConfig) -> None:
        """Bind the server to its configuration; nothing is started or written yet.

        Args:
            config: Where and how the server runs.
        """
        self._config = config
        # Absolute, because the --config flag built from it identifies our process among others.
        self._workdir = config.workdir.resolve()
        self._config_file = self._workdir / "config.yaml"
        self._log = self._workdir / "jaeger.log"
        self._pid_file = self._workdir / "jaeger.pid"
        self._marker = f"--config={self._config_file}"

    @property
    def config(self) -> JaegerConfig:
        """The configuration this server was created with."""
        return self._config

    @property
    def ui_url(self) -> str:
        """The web UI and HTTP query API, ``http://127.0.0.1:<ui_port>``."""
        return f"http://{LOCALHOST}:{self._config.ui_port}"

    @property
    def otlp_http_endpoint(self) -> str:
        """The OTLP/HTTP base URL (``OTEL_EXPORTER_OTLP_ENDPOINT``); traces go to ``<it>/v1/traces``."""
        return f"http://{LOCALHOST}:{self._config.otlp_http_port}"

    @property
    def otlp_traces_endpoint(self) -> str:
        """Where OTLP/HTTP traces go (``OTLP_TRACES_ENDPOINT``): an exporter given an endpoint appends nothing."""
        return f"{self.otlp_http_endpoint}/v1/traces"

    @property
    def otlp_grpc_endpoint(self) -> str:
        """The OTLP/gRPC endpoint; the ``http`` scheme tells OTel exporters to connect without TLS."""
        return f"http://{LOCALHOST}:{self._config.otlp_grpc_port}"

    def is_installed(self) -> bool:
        """Tell whether a completed build of the pinned recipe is in the cache (so ``install`` is quick)."""
        return read_install_marker(self._bin_dir) == _fingerprint() and (self._bin_dir / "jaeger").is_file()

    def install(self) -> Path:
        """Build the Jaeger binary into the cache unless a previous build completed.

        Returns:
            The ``jaeger`` binary.

        Raises:
            MissingToolError: Go is needed and not installed.
            InfrastructureError: The build failed or produced a binary of the wrong version.
        """
        home = self._config.cache_dir / "jaeger"
        bin_dir = self._bin_dir
        binary = bin_dir / "jaeger"
        if self.is_installed():
            return binary
        fingerprint = _fingerprint()
        go = require_tool("go", "build Jaeger")
        bin_dir.mkdir(parents=True, exist_ok=True)
        # A private build folder, so that concurrent installs do not write the same output file.
        build_dir = Path(tempfile.mkdtemp(prefix="build-", dir=home))
        try:
            for path in _recipe():
                shutil.copy2(path, build_dir / path.name)
            built = _build(go, build_dir, _go_environment(home / "go"))
            built.replace(binary)
        finally:
            shutil.rmtree(build_dir, ignore_errors=True)
        write_install_marker(bin_dir, fingerprint)
        return binary

    def start(self, timeout: float = 60.0) -> None:
        """Start Jaeger and wait until its UI and OTLP receivers answer; do nothing if it already runs.

        Args:
            timeout: Seconds to wait for the server to be ready.

        Raises:
            MissingToolError: ``go`` is needed for a first install and not installed.
            InfrastructureError: A port is taken, or the server exited or was not ready in time;
                the message carries the end of its log.
        """
        if self.is_running():
            self._wait_ready(timeout)
            return
        binary = self.install()
        taken = [port for port in self._config.ports if port_accepts_connections(port)]
        if taken:
            msg = (
                f"Cannot start Jaeger from {self._workdir}: port(s) {taken} on {LOCALHOST} already in use "
                "by another process (another Jaeger or OpenTelemetry Collector?). Stop it or choose other ports."
            )
            raise InfrastructureError(msg)
        self._workdir.mkdir(parents=True, exist_ok=True)
        # A copy in the workdir, so that its path on the command line tells our process apart.
        shutil.copyfile(repo_root() / "deploy" / "jaeger" / "config.yaml", self._config_file)
        keep_previous_log(self._log)
        start_detached(
            [str(binary), self._marker],
            output_file=self._log,
            pid_file=self._pid_file,
            cwd=self._workdir,
            env=self._environment(),
        )
        self._wait_ready(timeout)

    def stop(self, *, hard: bool = False, timeout: float = 30.0) -> None:
        """Stop Jaeger, dropping the traces it holds; do nothing if it is not running.

        Args:
            hard: Kill at once (SIGKILL) instead of a graceful shutdown.
            timeout: Seconds to wait for a graceful shutdown before killing.

        Raises:
            InfrastructureError: The server did not exit even when killed.
        """
        stop_process(self._pid_file, self._marker, hard=hard, timeout=timeout)

    def is_running(self) -> bool:
        """Tell whether this workdir's Jaeger process is alive (not whether it is ready yet)."""
        return running_pid(self._pid_file, self._marker) is not None

    @property
    def _bin_dir(self) -> Path:
        return self._config.cache_dir / "jaeger" / "bin"

    def _environment(self) -> dict[str, str]:
        # OTEL_* variables are meant for our services (they point them at this Jaeger); dropped here so
        # that Jaeger's own telemetry never follows them and sends its traces into itself.
        env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
        env["PSO_JAEGER_OTLP_GRPC_PORT"] = str(self._config.otlp_grpc_port)
        env["PSO_JAEGER_OTLP_HTTP_PORT"] = str(self._config.otlp_http_port)
        env["PSO_JAEGER_UI_PORT"] = str(self._config.ui_port)
        env["PSO_JAEGER_UI_ASSETS"] = str(repo_root() / "deploy" / "jaeger" / "ui")
        return env

    def _wait_ready(self, timeout: float) -> None:
        # trust_env=False: a developer's HTTP proxy settings must not reroute a loopback probe.
        with httpx.Client(timeout=_PROBE_TIMEOUT_SECONDS, trust_env=False) as client:
            wait_until(
                lambda: self._is_ready(client),
                timeout=timeout,
                on_timeout_message=f"Jaeger at {self.ui_url} ({self._workdir}) did not become ready",
                log_files=(self._log,),
            )

    def _is_ready(self, client: httpx.Client) -> bool:
        if not self.is_running():
            excerpt = logs_excerpt((self._log,))
            msg = f"Jaeger (workdir {self._workdir}) exited during startup.{excerpt}"
            raise InfrastructureError(msg)
        try:
            response = client.get(f"{self.ui_url}/api/services")
        except httpx.TransportError:
            return False
        # The collector starts its receivers after the query extension, so the UI alone is not enough.
        receivers = (self._config.otlp_grpc_port, self._config.otlp_http_port)
        return response.status_code == httpx.codes.OK and all(port_accepts_connections(port) for port in receivers)


def _recipe() -> list[Path]:
    tools = repo_root() / "deploy" / "jaeger" / "tools"
    return [tools / "go.mod", tools / "go.sum"]


def _fingerprint() -> str:
    # A changed recipe or build flag means another binary, hence a rebuild.
    return hashlib.sha256(
        b"".join(path.read_bytes() for path in _recipe()) + repr((_BUILD_FLAGS, _LDFLAGS)).encode()
    ).hexdigest()


def _go_environment(go_home: Path) -> dict[str, str]:
    # The module (about 280 MB of downloads) and build caches live in the project cache, not the
    # developer's ~/go, so that a rebuild after a recipe change reuses them and `rm -rf .cache` frees it.
    return {
        **os.environ,
        "CGO_ENABLED": "0",
        "GOMODCACHE": str(go_home / "mod"),
        "GOCACHE": str(go_home / "build"),
    }


def _build(go: str, build_dir: Path, env: dict[str, str]) -> Path:
    source = json.loads(
        run_tool([go, "mod", "download", "-json", _MODULE], purpose="fetch the Jaeger sources", cwd=build_dir, env=env)
    )
    version = _v2_version(Path(source["Dir"]), source["Version"])
    output = build_dir / "jaeger"
    run_tool(
        [
            go,
            "build",
            *_BUILD_FLAGS,
            "-ldflags",
            f"{_LDFLAGS} -X {_VERSION_VARIABLE}={version}",
            "-o",
            str(output),
            f"{_MODULE}/cmd/jaeger",
        ],
        purpose="build Jaeger",
        cwd=build_dir,
        env=env,
    )
    reported = run_tool([str(output), "version"], purpose="check the built Jaeger")
    if version not in reported:
        msg = f"The built Jaeger reports {reported.strip()!r} instead of version {version}."
        raise InfrastructureError(msg)
    return output


def _v2_version(module_dir: Path, module_version: str) -> str:
    # The module is tagged v1.x while cmd/jaeger is released as v2.y; its CHANGELOG pairs them
    # ("v1.76.0 / v2.13.0"). `jaeger version` and the UI should show the v2 number people look up.
    changelog = module_dir / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8") if changelog.is_file() else ""
    match = re.search(rf"^{re.escape(module_version)} / (v2\.\d+\.\d+)", text, re.MULTILINE)
    return match.group(1) if match else module_version
