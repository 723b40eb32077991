"""OpenTelemetry for every service: one tracer provider per process, exporting where settings say.

``setup_telemetry`` installs the SDK once per process, before the service opens any Kafka or store
client: spans go to OTLP/HTTP (``OTLP_TRACES_ENDPOINT``, e.g. the local Jaeger) and/or to JSON lines in
``TRACES_DIR`` (one file per process, for tests that read a trace back across processes). With
neither set, tracing stays the API's no-op. The aiokafka instrumentation puts W3C ``traceparent`` in
the headers of every message produced and faust's own sensor (``faust.contrib.opentelemetry``) opens
a ``{topic} process`` span from them, so one event is one trace across the stages. The pymongo
instrumentation adds a span per store command, without statements and with failures by error
code only: a statement or a server error message could hold the values of a document.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, Any

from opentelemetry import propagate, trace
from opentelemetry.instrumentation.aiokafka import AIOKafkaInstrumentor
from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter, SpanExportResult

from pso_shared.messages.lineage import package_version
from pso_shared.settings import BaseServiceSettings

_installed: set[str] = set()


class JsonLinesSpanExporter(SpanExporter):
    """Writes each finished span as one JSON line (``ReadableSpan.to_json`` flattened)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = path.open("a", encoding="utf-8")

    def export(self, spans: Any) -> SpanExportResult:
        for span in spans:
            assert isinstance(span, ReadableSpan)  # noqa: S101 - the SDK hands us nothing else
            self._file.write(json.dumps(json.loads(span.to_json()), separators=(",", ":")) + "\n")
        self._file.flush()
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self._file.close()


def annotate(**attributes: str | int | None) -> None:
    """Name what the current span is about as ``pso.<name>`` attributes (an event id, a revision, the
    policy, model or rules version), so traces can be searched by them. Never pass identifying data."""
    span = trace.get_current_span()
    for name, value in attributes.items():
        if value is not None:
            span.set_attribute(f"pso.{name}", value)


def consumer_span(
    operation: str,
    *,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    headers: Iterable[tuple[str, bytes]],
    **attributes: str | int,
) -> AbstractContextManager[trace.Span]:
    """A ``{topic} {operation}`` span for one consumed message, in the trace its headers carry (for
    consumers that faust's sensor does not cover: batches, replays)."""
    carrier = {k: v.decode("latin-1") for k, v in headers if k in ("traceparent", "tracestate")}
    return trace.get_tracer("pso.stream").start_as_current_span(
        f"{topic} {operation}",
        context=propagate.extract(carrier),
        kind=trace.SpanKind.CONSUMER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.name": operation,
            "messaging.destination.name": topic,
            "messaging.destination.partition.id": str(partition),
            "messaging.kafka.message.offset": offset,
            "messaging.kafka.message.key": (key or b"").decode("utf-8", "replace"),
            **attributes,
        },
    )


def _failed_command(span: Any, event: Any) -> None:
    """A failed store command's span keeps the error code, never the server's message."""
    span.set_attribute("db.response.status_code", str(getattr(event, "failure", {}).get("code", "")))


def setup_telemetry(service: str, settings: BaseServiceSettings, *, package: str) -> None:
    """Install tracing for this process (once), if the settings ask for an exporter."""
    if "tracing" in _installed or not (settings.traces_dir or settings.otlp_traces_endpoint):
        return
    resource = Resource.create({"service.name": service, "service.version": package_version(package)})
    provider = TracerProvider(resource=resource)
    if settings.traces_dir is not None:
        path = settings.traces_dir / f"{service}-{os.getpid()}.jsonl"
        provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(path)))
    if settings.otlp_traces_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_traces_endpoint)))
    trace.set_tracer_provider(provider)
    AIOKafkaInstrumentor().instrument()
    PymongoInstrumentor().instrument(capture_statement=False, failed_hook=_failed_command)
    _installed.add("tracing")
