"""Where the local infrastructure lives: the workspace, its cache and run directories, local ports.

The cache (downloaded jars, the built FerretDB binary) and the run directory (data, logs, pid files)
default to git-ignored folders in the workspace so that a fresh clone needs no setup; both can be
moved with ``PSO_CACHE_DIR`` and ``PSO_RUN_DIR``, for example onto a faster disk in CI.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from pso_shared.errors import InfrastructureError

__all__ = [
    "default_cache_dir",
    "default_run_dir",
    "free_port",
    "port_accepts_connections",
    "repo_root",
]

LOCALHOST = "127.0.0.1"
MAX_PORT = 65535


def repo_root() -> Path:
    """Find the workspace root from this file's location.

    Returns:
        The directory that contains ``deploy/`` and ``uv.lock``.

    Raises:
        InfrastructureError: The package is not running from a workspace checkout (for example when
            installed as a wheel), so there is no ``deploy/`` folder with the build recipes.
    """
    here = Path(__file__).resolve()
    for candidate in here.parents:
        if (candidate / "deploy").is_dir() and (candidate / "uv.lock").is_file():
            return candidate
    msg = (
        f"Could not find the workspace root (a folder with deploy/ and uv.lock) above {here}. "
        "pso_deploy must run from a checkout of the repository."
    )
    raise InfrastructureError(msg)


def default_cache_dir() -> Path:
    """Return the directory for downloaded and built artifacts.

    Returns:
        ``$PSO_CACHE_DIR`` if set, else ``<workspace>/.cache``.
    """
    return _dir_from_env("PSO_CACHE_DIR", ".cache")


def default_run_dir() -> Path:
    """Return the directory for the running services' data, logs and pid files.

    Returns:
        ``$PSO_RUN_DIR`` if set, else ``<workspace>/.run``.
    """
    return _dir_from_env("PSO_RUN_DIR", ".run")


def _dir_from_env(variable: str, default_name: str) -> Path:
    value = os.environ.get(variable)
    if value:
        return Path(value).expanduser().resolve()
    return repo_root() / default_name


def free_port() -> int:
    """Ask the OS for a TCP port on localhost that is free right now.

    The port is released before returning, so another process may take it in between; that window is
    small enough for tests and local runs.

    Returns:
        The port number.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        port: int = sock.getsockname()[1]
        return port


def port_accepts_connections(port: int, host: str = LOCALHOST, timeout: float = 0.5) -> bool:
    """Tell whether something listens on ``host:port``.

    A connect probe rather than a bind probe, because a bind fails on sockets lingering in TIME_WAIT
    after a service stopped, which would report a free port as taken.

    Args:
        port: The TCP port.
        host: The address to probe.
        timeout: Seconds to wait for the connection.

    Returns:
        True if a TCP connection was accepted.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def contract_dir() -> Path:
    """The wire contract: ``$PSO_CONTRACT_DIR``, or ``shared/contract`` beside the checkout."""
    configured = os.environ.get("PSO_CONTRACT_DIR")
    return Path(configured) if configured else repo_root().parent / "shared" / "contract"
