"""A local FerretDB (MongoDB wire protocol on SQLite) built from source with Go, no Docker.

``install`` builds the ``ferretdb`` binary pinned in ``deploy/ferretdb/tools/go.mod`` into the
cache, once. ``start`` launches it in the background on one workdir::

    <workdir>/data/  state/  ferretdb.log  ferretdb.pid
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

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

__all__ = ["FerretDBConfig", "FerretDBServer"]

_MODULE = "github.com/FerretDB/FerretDB"
_PING_TIMEOUT_MS = 1000


@dataclass(kw_only=True, frozen=True)
class FerretDBConfig:
    """Where and how one local FerretDB runs.

    Attributes:
        workdir: Holds the SQLite databases, FerretDB's state, its log and pid file.
        port: The MongoDB wire protocol port on 127.0.0.1.
        cache_dir: Where the built binary is cached, shared by every workdir.
    """

    workdir: Path
    port: int = 27017
    cache_dir: Path = field(default_factory=default_cache_dir)

    def __post_init__(self) -> None:
        """Reject a port FerretDB would only fail on later.

        Raises:
            ValueError: The port is not a TCP port.
        """
        if not 0 < self.port <= MAX_PORT:
            msg = f"port must be a TCP port (1-65535), got {self.port}"
            raise ValueError(msg)


class FerretDBServer:
    """One local FerretDB server, controlled through its workdir."""

    def __init__(self, config: FerretDBConfig) -> None:
        """Bind the server to its configuration; nothing is started or written yet.

        Args:
            config: Where and how the server runs.
        """
        self._config = config
        # Absolute, because the state-dir flag built from it identifies our process among others.
        self._workdir = config.workdir.resolve()
        self._data_dir = self._workdir / "data"
        self._state_dir = self._workdir / "state"
        self._log = self._workdir / "ferretdb.log"
        self._pid_file = self._workdir / "ferretdb.pid"
        self._marker = f"--state-dir={self._state_dir}"

    @property
    def config(self) -> FerretDBConfig:
        """The configuration this server was created with."""
        return self._config

    @property
    def uri(self) -> str:
        """The MongoDB connection string, ``mongodb://127.0.0.1:<port>/``."""
        return f"mongodb://{LOCALHOST}:{self._config.port}/"

    def install(self) -> Path:
        """Build the FerretDB binary into the cache unless a previous build completed.

        Returns:
            The ``ferretdb`` binary.

        Raises:
            MissingToolError: Go is needed and not installed.
            InfrastructureError: The build failed or produced a binary of the wrong version.
        """
        tools = repo_root() / "deploy" / "ferretdb" / "tools"
        recipe = [tools / "go.mod", tools / "go.sum"]
        bin_dir = self._config.cache_dir / "ferretdb" / "bin"
        binary = bin_dir / "ferretdb"
        fingerprint = hashlib.sha256(
            b"".join(path.read_bytes() for path in recipe) + repr(_ID_LOOKUP).encode()
        ).hexdigest()
        if read_install_marker(bin_dir) == fingerprint and binary.is_file():
            return binary
        go = require_tool("go", "build FerretDB")
        version = _pinned_version(recipe[0])
        bin_dir.mkdir(parents=True, exist_ok=True)
        # A private build folder, so that concurrent installs do not vendor over each other; it is
        # deleted afterwards because the vendored sources take about 240 MB.
        build_dir = Path(tempfile.mkdtemp(prefix="build-", dir=bin_dir.parent))
        try:
            for path in recipe:
                shutil.copy2(path, build_dir / path.name)
            built = _build(go, build_dir, version)
            built.replace(binary)
        finally:
            shutil.rmtree(build_dir, ignore_errors=True)
        write_install_marker(bin_dir, fingerprint)
        return binary

    def start(self, timeout: float = 60.0) -> None:
        """Start FerretDB and wait until it answers a ping; do nothing if it already runs.

        Args:
            timeout: Seconds to wait for the server to be ready.

        Raises:
            MissingToolError: ``go`` is needed for a first install and not installed.
            InfrastructureError: The port is taken, or the server exited or was not ready in time;
                the message carries the end of its log.
        """
        if self.is_running():
            self._wait_ready(timeout)
            return
        binary = self.install()
        if port_accepts_connections(self._config.port):
            msg = (
                f"Cannot start FerretDB from {self._workdir}: port {self._config.port} on "
                f"{LOCALHOST} is already in use by another process (another FerretDB or a MongoDB?). "
                "Stop it or choose another port."
            )
            raise InfrastructureError(msg)
        self._data_dir.mkdir(parents=True, exist_ok=True)
        self._state_dir.mkdir(parents=True, exist_ok=True)
        keep_previous_log(self._log)
        start_detached(
            [
                str(binary),
                "--handler=sqlite",
                # A directory URL, with the trailing slash: FerretDB keeps one SQLite file per database.
                # synchronous(NORMAL) in FerretDB's WAL mode: a commit survives a crash of FerretDB or
                # of its clients, not of the machine, and writes take 0.6 ms instead of 2 ms (measured)
                # because they no longer wait for the disk. Right for this local store; production
                # runs MongoDB with its own write concern.
                f"--sqlite-url=file:{self._data_dir}/?_pragma=synchronous(NORMAL)",
                f"--listen-addr={LOCALHOST}:{self._config.port}",
                self._marker,
                # "-" turns the debug HTTP server off; its fixed default port would make a second
                # instance (a test next to `pso up`) fail to start.
                "--debug-addr=-",
                "--telemetry=disable",
                "--log-level=WARN",
            ],
            output_file=self._log,
            pid_file=self._pid_file,
            cwd=self._workdir,
            env=_environment_without_ferretdb_settings(),
        )
        self._wait_ready(timeout)

    def stop(self, *, hard: bool = False, timeout: float = 30.0) -> None:
        """Stop FerretDB; do nothing if it is not running.

        Args:
            hard: Kill at once (SIGKILL) instead of a graceful shutdown.
            timeout: Seconds to wait for a graceful shutdown before killing.

        Raises:
            InfrastructureError: The server did not exit even when killed.
        """
        stop_process(self._pid_file, self._marker, hard=hard, timeout=timeout)

    def is_running(self) -> bool:
        """Tell whether this workdir's FerretDB process is alive (not whether it is ready yet)."""
        return running_pid(self._pid_file, self._marker) is not None

    def _wait_ready(self, timeout: float) -> None:
        client: MongoClient[dict[str, object]] = MongoClient(
            self.uri,
            serverSelectionTimeoutMS=_PING_TIMEOUT_MS,
            connectTimeoutMS=_PING_TIMEOUT_MS,
        )
        try:
            wait_until(
                lambda: self._answers_ping(client),
                timeout=timeout,
                on_timeout_message=f"FerretDB at {self.uri} ({self._workdir}) did not become ready",
                log_files=(self._log,),
            )
        finally:
            client.close()

    def _answers_ping(self, client: MongoClient[dict[str, object]]) -> bool:
        if not self.is_running():
            excerpt = logs_excerpt((self._log,))
            msg = f"FerretDB (workdir {self._workdir}) exited during startup.{excerpt}"
            raise InfrastructureError(msg)
        try:
            client.admin.command("ping")
        except PyMongoError:
            return False
        return True


def _pinned_version(go_mod: Path) -> str:
    match = re.search(
        rf"^\s*{re.escape(_MODULE)} (v\S+)",
        go_mod.read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    if match is None:
        msg = f"{go_mod} does not pin {_MODULE}; recreate it with `go get -tool {_MODULE}/cmd/ferretdb@<version>`."
        raise InfrastructureError(msg)
    return match.group(1)


def _build(go: str, build_dir: Path, version: str) -> Path:
    # A pure-Go build (the SQLite driver is modernc.org/sqlite), so no C compiler is needed.
    env = {**os.environ, "CGO_ENABLED": "0"}
    run_tool(
        [go, "mod", "vendor"],
        purpose="fetch the FerretDB sources",
        cwd=build_dir,
        env=env,
    )
    # FerretDB embeds build/version/version.txt, which its release tooling generates and the module
    # zip lacks; without it the binary panics at start. Vendoring lets us supply it.
    version_txt = build_dir / "vendor" / _MODULE / "build" / "version" / "version.txt"
    version_txt.write_text(f"{version}\n", encoding="utf-8")
    _use_the_id_index(build_dir / "vendor" / _MODULE)
    output = build_dir / "ferretdb"
    run_tool(
        [
            go,
            "build",
            "-mod=vendor",
            "-trimpath",
            "-o",
            str(output),
            f"{_MODULE}/cmd/ferretdb",
        ],
        purpose="build FerretDB",
        cwd=build_dir,
        env=env,
    )
    reported = run_tool([str(output), "--version"], purpose="check the built FerretDB")
    if f"version: {version}" not in reported:
        msg = f"The built FerretDB reports {reported.strip()!r} instead of version {version}."
        raise InfrastructureError(msg)
    return output


# FerretDB v1.24.2's SQLite backend indexes `_id` as `_ferretdb_sjson->"_id"` but looks documents up
# by `_ferretdb_sjson->'$._id'`. SQLite only uses an expression index for the same expression, so
# every lookup by `_id` scanned the whole collection and each write got slower as it grew (measured:
# 2.7 ms per find_one at 200 documents, 9.5 ms at 1,000). Both expressions select the same JSON
# value; writing the lookup like the index lets SQLite use the index. Nothing else changes.
_ID_LOOKUP = ("IDColumn = DefaultColumn + \"->'$._id'\"", "IDColumn = DefaultColumn + \"->'_id'\"")
_ID_LOOKUP_FILE = Path("internal") / "backends" / "sqlite" / "metadata" / "metadata.go"


def _use_the_id_index(module_dir: Path) -> None:
    source = module_dir / _ID_LOOKUP_FILE
    text = source.read_text(encoding="utf-8")
    original, patched = _ID_LOOKUP
    if original not in text:
        msg = f"{source} no longer has the line this build patches ({original}); review _use_the_id_index."
        raise InfrastructureError(msg)
    source.chmod(0o644)
    source.write_text(text.replace(original, patched), encoding="utf-8")


def _environment_without_ferretdb_settings() -> dict[str, str]:
    # FerretDB reads any unset flag from FERRETDB_* variables; dropping them keeps a developer's
    # own FerretDB settings from changing how the pipeline's store behaves.
    return {key: value for key, value in os.environ.items() if not key.startswith("FERRETDB_")}
