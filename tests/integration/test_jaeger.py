"""The local Jaeger v2 of pso_deploy, built from the Go module proxy and run for real on free ports.

The first run downloads the module graph and builds Jaeger into the shared cache (several minutes on
one core); later runs reuse the cache and take about a second. The viewer tests prove our own page
(deploy/jaeger/ui) is what Jaeger serves, and that the queries the page makes find spans a real
OpenTelemetry SDK exported.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from pso_deploy.jaeger import JaegerConfig, JaegerServer
from pso_deploy.paths import free_port, port_accepts_connections, repo_root
from pso_deploy.process import wait_until
from pso_shared.errors import MissingToolError

# Generous: a cold cache downloads about 280 MB of modules and compiles them on one core.
INSTALL_AND_RUN_TIMEOUT = 1800
# The batch processor holds spans for up to 200 ms before they reach storage.
QUERY_TIMEOUT = 30.0
CACHED_INSTALL_SECONDS = 5.0
SERVICE_NAME = "pso-test"
EVENT_KEY = "messaging.kafka.message.key"  # the tag the viewer's event-id search uses (viewer.js)
VIEWER = repo_root() / "deploy" / "jaeger" / "ui"


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


@pytest.mark.slow
@pytest.mark.timeout(INSTALL_AND_RUN_TIMEOUT)
def test_jaeger_serves_our_viewer(jaeger: JaegerServer, http: httpx.Client) -> None:
    jaeger.start()

    page = http.get(f"{jaeger.ui_url}/")
    assert page.status_code == httpx.codes.OK
    assert "<title>PSO traces</title>" in page.text
    # Jaeger filled in its version: the page came through its static handler, not by accident.
    assert "JAEGER_VERSION = DEFAULT_VERSION;" not in page.text
    assert '"gitVersion":"v2.' in page.text
    # Any other non-API path is the same page (Jaeger's fallback), so a pasted link always opens it.
    assert http.get(f"{jaeger.ui_url}/search").text == page.text
    for asset in ("viewer.js", "viewer.css"):
        served = http.get(f"{jaeger.ui_url}/static/{asset}")
        assert served.status_code == httpx.codes.OK, asset
        assert served.text == (VIEWER / "static" / asset).read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.timeout(INSTALL_AND_RUN_TIMEOUT)
def test_viewer_queries_find_an_sdk_span_by_event_id(jaeger: JaegerServer, http: httpx.Client) -> None:
    jaeger.start()
    event_id, other_event_id = str(uuid.uuid4()), str(uuid.uuid4())
    trace_id, parent_id = _export_event_trace(jaeger.otlp_traces_endpoint, event_id)
    _export_event_trace(jaeger.otlp_traces_endpoint, other_event_id)

    found = _wait_for_search(http, jaeger.ui_url, event_id)

    assert [trace["traceID"] for trace in found] == [trace_id], "the search must find that event's trace only"
    trace = _wait_for_spans(http, f"{jaeger.ui_url}/api/traces/{trace_id}", count=2)
    spans = {span["operationName"]: span for span in trace["spans"]}
    assert set(spans) == {"POST /v1/events", "pso.events.raw.v1 send"}
    send = spans["pso.events.raw.v1 send"]
    assert {"key": EVENT_KEY, "type": "string", "value": event_id} in send["tags"]
    assert [ref["spanID"] for ref in send["references"]] == [parent_id]
    assert trace["processes"][send["processID"]]["serviceName"] == SERVICE_NAME
    missing = http.get(f"{jaeger.ui_url}/api/traces/{'0' * 31}1")
    assert missing.status_code == httpx.codes.NOT_FOUND


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


def _export_event_trace(endpoint: str, event_id: str) -> tuple[str, str]:
    """Send one report's first two spans as intake makes them, by a real SDK; return (trace id, root span id)."""
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=endpoint, timeout=10)))
    tracer = provider.get_tracer("tests.test_jaeger")
    with tracer.start_as_current_span("POST /v1/events", kind=SpanKind.SERVER) as root:
        with tracer.start_as_current_span("pso.events.raw.v1 send", kind=SpanKind.PRODUCER) as send:
            send.set_attribute(EVENT_KEY, event_id)
        context = root.get_span_context()
    provider.shutdown()
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def _wait_for_search(http: httpx.Client, ui_url: str, event_id: str) -> list[dict[str, Any]]:
    # The query viewer.js makes for a service, a lookback and an event id: times in microseconds.
    end = time.time_ns() // 1000
    params = {
        "service": SERVICE_NAME,
        "start": str(end - 3600 * 1_000_000),
        "end": str(end + 60 * 1_000_000),
        "limit": "20",
        "tags": json.dumps({EVENT_KEY: event_id}),
    }
    found: list[dict[str, Any]] = []

    def stored() -> bool:
        response = http.get(f"{ui_url}/api/traces", params=params)
        assert response.status_code == httpx.codes.OK, response.text
        found[:] = response.json()["data"] or []
        return bool(found)

    wait_until(stored, timeout=QUERY_TIMEOUT, on_timeout_message="no trace found by the viewer's event-id search")
    return found


def _wait_for_spans(http: httpx.Client, url: str, count: int) -> dict[str, Any]:
    # The SDK exports each span as it ends, so the root may reach storage a batch after its child.
    traces: list[dict[str, Any]] = []

    def complete() -> bool:
        response = http.get(url)
        assert response.status_code == httpx.codes.OK, response.text
        traces[:] = response.json()["data"]
        return len(traces[0]["spans"]) == count

    wait_until(complete, timeout=QUERY_TIMEOUT, on_timeout_message=f"the trace did not reach {count} spans")
    return traces[0]


def _wait_for_trace(http: httpx.Client, ui_url: str, trace_id: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = []

    def stored() -> bool:
        response = http.get(f"{ui_url}/api/traces", params={"service": SERVICE_NAME, "lookback": "1h"})
        found[:] = [trace for trace in response.json()["data"] or [] if trace["traceID"] == trace_id]
        return bool(found)

    wait_until(stored, timeout=QUERY_TIMEOUT, on_timeout_message=f"trace not found for service {SERVICE_NAME}")
    return found[0]
