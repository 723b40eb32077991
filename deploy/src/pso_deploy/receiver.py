"""A local webhook receiver: records every alert POSTed to it. For ``pso run`` and the tests."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pso_deploy.paths import LOCALHOST


class WebhookReceiver:
    """An HTTP server on a free loopback port, in a background thread."""

    def __init__(self, *, status: int = 204) -> None:
        self.status = status
        self.received: list[dict[str, Any]] = []
        self.webhook_ids: list[str] = []
        self.arrived_at: list[float] = []
        """``time.monotonic()`` of each arrival, for latency measurements."""
        self._arrived = threading.Condition()
        self._server = ThreadingHTTPServer((LOCALHOST, 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/alerts"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until at least ``count`` alerts arrived; False on timeout."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.received) >= count, timeout)

    def _record(self, body: bytes, webhook_id: str) -> None:
        with self._arrived:
            self.arrived_at.append(time.monotonic())
            self.received.append(json.loads(body))
            self.webhook_ids.append(webhook_id)
            self._arrived.notify_all()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                if 200 <= receiver.status < 300:  # noqa: PLR2004
                    receiver._record(body, self.headers.get("webhook-id", ""))
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Silence the default per-request stderr line."""

        return Handler
