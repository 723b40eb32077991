"""The local Jaeger v2 of pso_deploy, built from the Go module proxy and run for real on free ports.

The first run downloads the module graph and builds Jaeger into the shared cache (several minutes on
one core); later runs reuse the cache and take about a second.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pso_deploy.jaeger import JaegerConfig, JaegerServer
from pso_deploy.paths import free_port, port_accepts_connections
from pso_deploy.process import wait_until
from pso_shared.errors import MissingToolError

# Generous: a cold cache downloads about 280 MB of modules and compiles them on one core.
INSTALL_AND_RUN_TIMEOUT = 1800
# The batch processor holds spans for up to 200 ms before they reach storage.
QUERY_TIMEOUT = 30.0
CACHED_INSTALL_SECONDS = 5.0
SERVICE_NAME = "pso-test"


def _distinct_free_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(free_port())
    return sorted(ports)


@pytest.fixture
def jaeger(tmp_path: Path) -> Iterator[JaegerServer]:
    grpc_port, http_port, ui_port = _distinct_free_ports(3)
    server = JaegerServer(
        JaegerConfig(workdir=tmp_path / "jaeger", otlp_grpc_port=grpc_port, otlp_http_port=http_port, ui_port=ui_port)
    )
    yield server
    # A no-op when the test stopped it; otherwise no Jaeger outlives a failed test.
    server.stop(hard=True)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    # trust_env=False: a proxy configured in the environment must not intercept loopback requests.
    with httpx.Client(timeout=10.0, trust_env=False) as client:
        yield client


@pytest.mark.slow
@pytest.mark.timeout(INSTALL_AND_RUN_TIMEOUT)
def test_jaeger_install_is_idempotent(jaeger: JaegerServer) -> None:
    binary = jaeger.install()

    started = time.monotonic()
    again = jaeger.install()
    elapsed = time.monotonic() - started

    assert again == binary
    assert os.access(binary, os.X_OK)
    assert elapsed < CACHED_INSTALL_SECONDS, f"a cached install took {elapsed:.1f} s"


@pytest.mark.slow
@pytest.mark.timeout(INSTALL_AND_RUN_TIMEOUT)
def test_jaeger_starts_once_stores_an_otlp_span_and_stops(jaeger: JaegerServer, http: httpx.Client) -> None:
    pid_file = jaeger.config.workdir / "jaeger.pid"

    jaeger.start()
    first_pid = pid_file.read_text()
    jaeger.start()

    assert jaeger.is_running()
    assert pid_file.read_text() == first_pid, "a second start() must not launch another Jaeger"
    ui = http.get(jaeger.ui_url)
    assert ui.status_code == httpx.codes.OK
    assert "<html" in ui.text

    trace_id, span_id = os.urandom(16).hex(), os.urandom(8).hex()
    sent = http.post(f"{jaeger.otlp_http_endpoint}/v1/traces", json=_otlp_request(trace_id, span_id, "deliver-alert"))
    assert sent.status_code == httpx.codes.OK, sent.text

    found = _wait_for_trace(http, jaeger.ui_url, trace_id)
    assert [span["spanID"] for span in found["spans"]] == [span_id]
    assert found["spans"][0]["operationName"] == "deliver-alert"
    assert found["processes"][found["spans"][0]["processID"]]["serviceName"] == SERVICE_NAME
    v3 = http.get(f"{jaeger.ui_url}/api/v3/traces/{trace_id}")
    assert v3.status_code == httpx.codes.OK
    resource_spans = v3.json()["result"]["resourceSpans"]
    assert resource_spans[0]["scopeSpans"][0]["spans"][0]["spanId"] == span_id

    jaeger.stop()
    assert not jaeger.is_running()
    assert not pid_file.exists()
    assert not any(port_accepts_connections(port) for port in jaeger.config.ports)
    jaeger.stop()  # stopping a stopped Jaeger is a no-op


@pytest.mark.timeout(30)
def test_jaeger_install_names_go_when_it_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    server = JaegerServer(JaegerConfig(workdir=tmp_path / "jaeger", cache_dir=tmp_path / "cache"))

    with pytest.raises(MissingToolError, match="'go'") as caught:
        server.install()

    assert caught.value.tool == "go"


@pytest.mark.timeout(5)
@pytest.mark.parametrize(
    ("grpc_port", "http_port", "ui_port", "reason"),
    [
        (0, 4318, 16686, "otlp_grpc_port must be a TCP port"),
        (4317, 4318, 70000, "ui_port must be a TCP port"),
        (4317, 4317, 16686, "must differ"),
    ],
)
def test_jaeger_config_rejects_bad_ports(
    tmp_path: Path, grpc_port: int, http_port: int, ui_port: int, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        JaegerConfig(workdir=tmp_path, otlp_grpc_port=grpc_port, otlp_http_port=http_port, ui_port=ui_port)


def _otlp_request(trace_id: str, span_id: str, name: str) -> dict[str, Any]:
    # OTLP/JSON: ids are hex strings (not base64 as in the protobuf JSON mapping), times in ns as strings.
    end = time.time_ns()
    span = {
        "traceId": trace_id,
        "spanId": span_id,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(end - 5_000_000),
        "endTimeUnixNano": str(end),
    }
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": SERVICE_NAME}}]}
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [{"scope": {"name": "test"}, "spans": [span]}]}]}


def _wait_for_trace(http: httpx.Client, ui_url: str, trace_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def stored() -> bool:
        response = http.get(f"{ui_url}/api/traces", params={"service": SERVICE_NAME, "lookback": "1h"})
        found[:] = [trace for trace in response.json()["data"] or [] if trace["traceID"] == trace_id]
        return bool(found)

    wait_until(stored, timeout=QUERY_TIMEOUT, on_timeout_message=f"trace not found for service {SERVICE_NAME}")
    return found[0]
