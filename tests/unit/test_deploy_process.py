"""Whether a pid file names a process of ours, read from a fake /proc."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from pso_deploy import process

MARKER = "--state-dir=/run/pso/ferretdb"


@pytest.fixture
def fake_proc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A /proc holding this test process's entry only, so that it is alive and not a zombie."""
    proc = tmp_path / "proc"
    (proc / str(os.getpid())).mkdir(parents=True)
    monkeypatch.setattr(process, "_PROC", proc)
    return proc


@pytest.fixture
def pid_file(tmp_path: Path) -> Path:
    path = tmp_path / "service.pid"
    path.write_text(f"{os.getpid()}\n", encoding="utf-8")
    return path


def write_cmdline(proc: Path, argv: list[str]) -> None:
    (proc / str(os.getpid()) / "cmdline").write_bytes(b"".join(arg.encode() + b"\0" for arg in argv))


def test_a_process_with_the_marker_is_ours(fake_proc: Path, pid_file: Path) -> None:
    write_cmdline(fake_proc, ["/bin/ferretdb", MARKER])
    assert process.running_pid(pid_file, MARKER) == os.getpid()


def test_a_process_without_the_marker_reused_the_pid(fake_proc: Path, pid_file: Path) -> None:
    write_cmdline(fake_proc, ["/usr/bin/vim", "notes.txt"])
    assert process.running_pid(pid_file, MARKER) is None


def test_a_process_caught_in_exec_is_read_again(fake_proc: Path, pid_file: Path) -> None:
    # Just after launch the kernel shows an empty command line until the exec is done; taking that for
    # "not ours" made a healthy FerretDB look as if it had exited during startup.
    write_cmdline(fake_proc, [])
    exec_done = threading.Timer(0.05, write_cmdline, args=(fake_proc, ["/bin/ferretdb", MARKER]))
    exec_done.start()
    try:
        assert process.running_pid(pid_file, MARKER) == os.getpid()
    finally:
        exec_done.join()


def test_a_command_line_that_stays_empty_is_not_ours(fake_proc: Path, pid_file: Path) -> None:
    write_cmdline(fake_proc, [])  # a kernel thread that reused the pid
    assert process.running_pid(pid_file, MARKER) is None
