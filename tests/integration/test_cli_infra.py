"""``pso up``, a second ``pso up``, ``pso status`` and ``pso down`` through the real command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pso_deploy.paths import free_port

pytestmark = [pytest.mark.kafka, pytest.mark.store, pytest.mark.slow, pytest.mark.timeout(300)]

PSO = str(Path(sys.executable).parent / "pso")


def pso(*args: str, run_dir: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PSO_RUN_DIR": str(run_dir)}
    return subprocess.run([PSO, *args], capture_output=True, text=True, env=env, check=False, timeout=240)


def test_up_is_idempotent_and_down_stops_both(tmp_path: Path) -> None:
    kafka_port, store_port = free_port(), free_port()
    ports = [
        "--kafka-port",
        str(kafka_port),
        "--kafka-controller-port",
        str(free_port()),
        "--store-port",
        str(store_port),
    ]
    try:
        first = pso("up", *ports, run_dir=tmp_path)
        assert first.returncode == 0, first.stderr
        assert f"127.0.0.1:{kafka_port}" in first.stdout
        assert f"mongodb://127.0.0.1:{store_port}/" in first.stdout

        again = pso("up", *ports, run_dir=tmp_path)
        assert again.returncode == 0, again.stderr
        assert again.stdout.count("already running") == 2

        status = pso("status", run_dir=tmp_path)
        assert status.stdout.count(": running") == 2
    finally:
        down = pso("down", run_dir=tmp_path)
    assert down.returncode == 0, down.stderr
    assert pso("status", run_dir=tmp_path).stdout.count(": stopped") == 2


def test_a_missing_tool_is_named_with_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = subprocess.run(
        [PSO, "install"],
        capture_output=True,
        text=True,
        env={"PATH": str(empty), "PSO_CACHE_DIR": str(tmp_path / "cache"), "HOME": str(tmp_path)},
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert "'mvn' is required" in result.stderr
    assert "Traceback" not in result.stderr
