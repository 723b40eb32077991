"""The external programs that fetch, build and run the infrastructure, and how to run them.

Nothing here is bundled: Kafka needs ``java`` (and ``mvn`` to fetch its jars once), FerretDB needs
``go`` to be built once. A missing program is reported with how to install it, not as a bare
``FileNotFoundError`` from deep inside ``subprocess``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from pso_shared.errors import InfrastructureError, MissingToolError

__all__ = [
    "INSTALL_HINTS",
    "read_install_marker",
    "require_tool",
    "run_tool",
    "write_install_marker",
]

INSTALL_HINTS: Mapping[str, str] = {
    "java": (
        "Install a Java 17 or newer runtime, e.g. on Debian/Ubuntu: "
        "`apt-get install openjdk-17-jre-headless`; on macOS: `brew install openjdk@17`."
    ),
    "mvn": (
        "Install Apache Maven (it needs a JDK), e.g. on Debian/Ubuntu: "
        "`apt-get install maven openjdk-17-jre-headless`; on macOS: `brew install maven`."
    ),
    "go": (
        "Install Go 1.21 or newer (older releases cannot fetch the toolchain go.mod asks for), "
        "e.g. on Debian/Ubuntu: `apt-get install golang`, or from https://go.dev/dl/."
    ),
}

_OUTPUT_TAIL_LINES = 40
# Written last into an install folder: its presence means the install completed, its content says
# from which recipe (a hash), so that a changed recipe triggers a fresh install.
_INSTALL_MARKER = ".complete"


def require_tool(name: str, purpose: str) -> str:
    """Locate a program on PATH.

    Args:
        name: The program, one of :data:`INSTALL_HINTS`'s keys (others get a generic hint).
        purpose: What it is needed for, completing "is required to ...".

    Returns:
        The program's absolute path.

    Raises:
        MissingToolError: The program is not on PATH.
    """
    path = shutil.which(name)
    if path is None:
        hint = INSTALL_HINTS.get(name, f"Install {name} and make sure it is on PATH.")
        raise MissingToolError(name, purpose, hint)
    return path


def run_tool(
    argv: Sequence[str],
    *,
    purpose: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run a build or setup command to completion.

    Args:
        argv: The command; ``argv[0]`` should come from :func:`require_tool`.
        purpose: What the command does, for the error message ("fetch the Kafka jars").
        cwd: Working directory.
        env: Environment; the caller's when omitted.

    Returns:
        The command's stdout.

    Raises:
        InfrastructureError: The command failed; the message carries the end of its output.
    """
    completed = subprocess.run(
        list(argv),
        cwd=cwd,
        env=None if env is None else dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr).strip().splitlines()
        tail = "\n".join(output[-_OUTPUT_TAIL_LINES:])
        msg = (
            f"Could not {purpose}: `{' '.join(argv)}` exited with status {completed.returncode}."
            f"\nLast lines of its output:\n{tail}"
        )
        raise InfrastructureError(msg)
    return completed.stdout


def read_install_marker(directory: Path) -> str | None:
    """Read the fingerprint a completed install left in ``directory``.

    Args:
        directory: The install folder.

    Returns:
        The fingerprint, or None if no install completed there.
    """
    try:
        return (directory / _INSTALL_MARKER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None


def write_install_marker(directory: Path, fingerprint: str) -> None:
    """Mark an install in ``directory`` as complete; call it only after everything else is in place.

    Args:
        directory: The install folder.
        fingerprint: Identifies the recipe the install was made from (for example a hash of it).
    """
    (directory / _INSTALL_MARKER).write_text(fingerprint + "\n", encoding="utf-8")
