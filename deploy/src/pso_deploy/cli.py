"""``pso up``, ``pso down``, ``pso status``: the local broker and store for development and tests.

Both services run from workdirs under the run directory (``$PSO_RUN_DIR`` or ``<workspace>/.run``)::

    <run_dir>/kafka/     the broker, see pso_deploy.kafka
    <run_dir>/ferretdb/  the store, see pso_deploy.ferretdb

``up`` records the address it started each service on in ``<workdir>/endpoint``, so that ``status``
and a repeated ``up`` report the real address even when it was started with non-default ports.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Protocol

import typer

from pso_deploy.ferretdb import FerretDBConfig, FerretDBServer
from pso_deploy.kafka import MAX_HEAP_MB, MIN_HEAP_MB, KafkaBroker, KafkaConfig
from pso_deploy.paths import MAX_PORT, default_run_dir
from pso_shared.errors import InfrastructureError

__all__ = ["infrastructure_errors", "register"]

_ENDPOINT_FILE = "endpoint"


class _Service(Protocol):
    """What the commands need of :class:`KafkaBroker` and :class:`FerretDBServer`."""

    def start(self, timeout: float = ...) -> None: ...
    def stop(self, *, hard: bool = False, timeout: float = ...) -> None: ...
    def is_running(self) -> bool: ...
    def install(self) -> Path: ...


def register(app: typer.Typer) -> None:
    """Add the ``install``, ``up``, ``down`` and ``status`` commands to the ``pso`` command.

    Args:
        app: The top-level ``pso`` application.
    """
    app.command("install")(install)
    app.command("up")(up)
    app.command("down")(down)
    app.command("status")(status)


def install() -> None:
    """Fetch Kafka's jars and build FerretDB into the cache (first time only); start nothing."""
    with infrastructure_errors():
        for name, service, _ in _services():
            typer.echo(f"{name}: {service.install()}")


def up(
    kafka_port: Annotated[int, typer.Option(min=1, max=MAX_PORT, help="Kafka client port.")] = 9092,
    kafka_controller_port: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=MAX_PORT,
            help="Kafka controller port (default: the Kafka port + 1).",
        ),
    ] = None,
    kafka_heap_mb: Annotated[
        int,
        typer.Option(min=MIN_HEAP_MB, max=MAX_HEAP_MB, help="Kafka JVM heap in MiB."),
    ] = 1024,
    store_port: Annotated[int, typer.Option(min=1, max=MAX_PORT, help="FerretDB (MongoDB protocol) port.")] = 27017,
) -> None:
    """Fetch or build (first time only) and start the local Kafka broker and FerretDB store."""
    with infrastructure_errors():
        run_dir = default_run_dir()
        broker = KafkaBroker(
            KafkaConfig(
                workdir=run_dir / "kafka",
                port=kafka_port,
                # The default follows the client port, so that `--kafka-port` alone is enough to run
                # a second broker next to the first.
                controller_port=kafka_port + 1 if kafka_controller_port is None else kafka_controller_port,
                heap_mb=kafka_heap_mb,
            )
        )
        store = FerretDBServer(FerretDBConfig(workdir=run_dir / "ferretdb", port=store_port))
        _start(
            "Kafka broker",
            broker,
            run_dir / "kafka",
            f"bootstrap servers {broker.bootstrap_servers}",
        )
        _start("FerretDB store", store, run_dir / "ferretdb", f"URI {store.uri}")


def down(
    hard: Annotated[bool, typer.Option("--hard", help="Kill at once instead of a clean shutdown.")] = False,
) -> None:
    """Stop the local Kafka broker and FerretDB store."""
    with infrastructure_errors():
        for name, service, _ in _services():
            if service.is_running():
                service.stop(hard=hard)
                typer.echo(f"{name}: stopped")
            else:
                typer.echo(f"{name}: was not running")


def status() -> None:
    """Show whether the local Kafka broker and FerretDB store are running, and where."""
    with infrastructure_errors():
        for name, service, workdir in _services():
            if service.is_running():
                endpoint = _read_endpoint(workdir) or "address unknown"
                typer.echo(f"{name}: running, {endpoint} (workdir {workdir})")
            else:
                typer.echo(f"{name}: stopped (workdir {workdir})")


def _services() -> list[tuple[str, _Service, Path]]:
    # Ports do not matter to stop or check a service: both go through the workdir's pid file.
    run_dir = default_run_dir()
    kafka_dir, store_dir = run_dir / "kafka", run_dir / "ferretdb"
    return [
        ("Kafka broker", KafkaBroker(KafkaConfig(workdir=kafka_dir)), kafka_dir),
        (
            "FerretDB store",
            FerretDBServer(FerretDBConfig(workdir=store_dir)),
            store_dir,
        ),
    ]


def _start(name: str, service: _Service, workdir: Path, endpoint: str) -> None:
    if service.is_running():
        # Report where it really runs, which may differ from this invocation's port options.
        typer.echo(f"{name}: already running, {_read_endpoint(workdir) or endpoint}")
        return
    typer.echo(f"{name}: starting (a first start also fetches or builds it, allow a few minutes)...")
    service.start()
    (workdir / _ENDPOINT_FILE).write_text(endpoint + "\n", encoding="utf-8")
    typer.echo(f"{name}: running, {endpoint}")


def _read_endpoint(workdir: Path) -> str | None:
    try:
        return (workdir / _ENDPOINT_FILE).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


@contextmanager
def infrastructure_errors() -> Iterator[None]:
    # The edge where our errors become a message and an exit status: the user needs what failed
    # and how to fix it, not a traceback. Bad option combinations (ValueError) are treated alike.
    try:
        yield
    except (InfrastructureError, ValueError) as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(code=1) from None
