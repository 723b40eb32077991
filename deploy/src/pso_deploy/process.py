"""Background processes owned through a pid file: start detached, check, wait for, stop.

A service started by ``pso up`` must outlive the command, so it is started detached (in its own
session, re-parented away from the caller) and remembered only by its pid file. Every check of a pid
also checks that the process is really ours (its command line names the workdir), because after a
reboot or a crash the same pid may belong to an unrelated process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pso_shared.errors import InfrastructureError

__all__ = [
    "TAIL_LINES",
    "keep_previous_log",
    "log_tail",
    "logs_excerpt",
    "pid_is_alive",
    "read_pid",
    "running_pid",
    "start_detached",
    "stop_process",
    "wait_until",
]

TAIL_LINES = 40
_PROC = Path("/proc")
# How long to wait for the kernel to tear a process down after SIGKILL, which cannot be refused.
_KILL_GRACE_SECONDS = 10.0
# An exec takes microseconds to milliseconds; a command line still empty after this is really empty
# (a kernel thread that reused the pid).
_EXEC_GRACE_SECONDS = 0.5
# Enough bytes for 40 lines of even a chatty Java log, without reading a large log whole.
_TAIL_BYTES = 64 * 1024

# The shell starts the service in the background and exits at once, so the service is re-parented to
# init and never becomes a zombie of (or a ResourceWarning in) the Python process that started it.
_LAUNCHER = 'output=$1; shift; "$@" </dev/null >>"$output" 2>&1 & echo $!'


def start_detached(
    argv: Sequence[str],
    *,
    output_file: Path,
    pid_file: Path,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> int:
    """Start a program in the background, detached from the caller, and record its pid.

    Args:
        argv: The program (an absolute path is best) and its arguments.
        output_file: Receives the program's stdout and stderr (appended).
        pid_file: Where the pid is written.
        cwd: The program's working directory.
        env: The program's environment; the caller's when omitted.

    Returns:
        The pid of the program.

    Raises:
        InfrastructureError: The launcher did not report a pid.
    """
    output_file.parent.mkdir(parents=True, exist_ok=True)
    launched = subprocess.run(
        ["/bin/sh", "-c", _LAUNCHER, "sh", str(output_file), *argv],
        cwd=cwd,
        env=None if env is None else dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        # A new session, so that Ctrl-C in the terminal that ran `pso up` cannot reach the service.
        start_new_session=True,
    )
    pid_text = launched.stdout.strip()
    if launched.returncode != 0 or not pid_text.isdigit():
        reason = launched.stderr.strip() or "no pid reported"
        msg = f"Could not start {argv[0]} in the background: {reason}"
        raise InfrastructureError(msg)
    pid = int(pid_text)
    pid_file.write_text(f"{pid}\n", encoding="utf-8")
    return pid


def read_pid(pid_file: Path) -> int | None:
    """Read a pid file.

    Args:
        pid_file: The file written by :func:`start_detached`.

    Returns:
        The pid, or None if the file is missing or does not hold a number.
    """
    try:
        text = pid_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


def pid_is_alive(pid: int) -> bool:
    """Tell whether a process exists and has not exited.

    Args:
        pid: The process id.

    Returns:
        False for a missing process and for a zombie (exited, not yet reaped by its parent).
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        # It exists but belongs to another user, so it cannot be one of ours; callers then see a
        # cmdline mismatch too, but "alive" is the truthful answer here.
        return True
    return _proc_state(pid) != "Z"


def running_pid(pid_file: Path, marker: str) -> int | None:
    """Return the pid recorded in ``pid_file`` if that process is alive and is really ours.

    Args:
        pid_file: The file written by :func:`start_detached`.
        marker: Text that the process's command line must contain (for example its workdir), which
            tells our process apart from an unrelated one that reused the pid.

    Returns:
        The pid, or None when nothing of ours is running.
    """
    pid = read_pid(pid_file)
    if pid is None or not pid_is_alive(pid):
        return None
    cmdline = _proc_cmdline(pid)
    if cmdline is not None and marker not in cmdline:
        return None
    return pid


def _proc_cmdline(pid: int) -> str | None:
    """Read a process's command line; None where there is no /proc to read it from.

    A process in the middle of ``exec`` shows an empty command line for a moment (the kernel has
    replaced its memory but not yet laid out the new arguments). A service checked just after it was
    launched can be caught there, and must not be taken for an unrelated process that reused the pid,
    so an empty command line is read again until the exec is done.
    """
    deadline = time.monotonic() + _EXEC_GRACE_SECONDS
    while True:
        try:
            raw = (_PROC / str(pid) / "cmdline").read_bytes()
        except OSError:
            return None
        if raw or time.monotonic() >= deadline:
            return raw.replace(b"\0", b" ").decode("utf-8", errors="replace")
        time.sleep(0.01)


def stop_process(pid_file: Path, marker: str, *, hard: bool = False, timeout: float = 30.0) -> None:
    """Stop the process recorded in ``pid_file``; do nothing if it is not running.

    Args:
        pid_file: The file written by :func:`start_detached`; removed once the process is gone.
        marker: See :func:`running_pid`.
        hard: Send SIGKILL at once instead of asking politely with SIGTERM first.
        timeout: Seconds to wait after SIGTERM before falling back to SIGKILL.

    Raises:
        InfrastructureError: The process survived SIGKILL.
    """
    pid = running_pid(pid_file, marker)
    if pid is not None:
        stopped = not hard and _signal_and_wait(pid, signal.SIGTERM, timeout)
        if not stopped and not _signal_and_wait(pid, signal.SIGKILL, _KILL_GRACE_SECONDS):
            msg = f"Process {pid} from {pid_file} did not exit even after SIGKILL."
            raise InfrastructureError(msg)
    pid_file.unlink(missing_ok=True)


def _signal_and_wait(pid: int, signum: signal.Signals, timeout: float) -> bool:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        return True
    return _poll(lambda: not pid_is_alive(pid), timeout)


def wait_until(
    predicate: Callable[[], bool],
    *,
    timeout: float,
    on_timeout_message: str,
    log_files: Sequence[Path] = (),
    interval: float = 0.2,
) -> None:
    """Poll ``predicate`` until it returns True.

    The predicate may itself raise :class:`InfrastructureError` to give up early, for example when
    the process it waits for has died.

    Args:
        predicate: Cheap check, called every ``interval`` seconds.
        timeout: Seconds before giving up.
        on_timeout_message: What did not happen, said to the user on timeout.
        log_files: Logs whose last lines explain the failure; missing or empty ones are skipped.
        interval: Seconds between checks.

    Raises:
        InfrastructureError: ``predicate`` stayed False for ``timeout`` seconds.
    """
    if not _poll(predicate, timeout, interval):
        msg = f"{on_timeout_message} (gave up after {timeout:g} s).{logs_excerpt(log_files)}"
        raise InfrastructureError(msg)


def _poll(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(interval, remaining))


def log_tail(path: Path, lines: int = TAIL_LINES) -> str:
    """Return the last lines of a log file.

    Args:
        path: The log file.
        lines: How many lines.

    Returns:
        The lines joined by newlines; empty if the file is missing or empty.
    """
    try:
        with path.open("rb") as log:
            size = log.seek(0, os.SEEK_END)
            log.seek(max(0, size - _TAIL_BYTES))
            text = log.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def logs_excerpt(log_files: Sequence[Path]) -> str:
    """Format the tails of some logs for an error message.

    Args:
        log_files: The logs; missing or empty ones are skipped.

    Returns:
        A text that starts with a newline, or an empty string when no log has content.
    """
    parts = []
    for path in log_files:
        tail = log_tail(path)
        if tail:
            parts.append(f"\nLast {TAIL_LINES} lines of {path}:\n{tail}")
    return "".join(parts)


def keep_previous_log(log_file: Path) -> None:
    """Move a log to ``<name>.1`` so that the next run starts a fresh one.

    Readiness checks then judge this run's lines only, while the previous run's log stays around to
    explain why it stopped.

    Args:
        log_file: The log; nothing happens if it does not exist.
    """
    if log_file.exists():
        log_file.replace(log_file.with_name(log_file.name + ".1"))


def _proc_state(pid: int) -> str | None:
    # Only Linux has /proc; elsewhere the launcher's re-parenting to init keeps zombies away.
    try:
        stat = (_PROC / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # The command name in parentheses may contain spaces, so split after its closing bracket.
    fields = stat.rpartition(")")[2].split()
    return fields[0] if fields else None
