"""A local webhook receiver: records every alert POSTed to it. For ``pso run``, the tests and the bench.

It can play a misbehaving endpoint (a ``script`` of statuses answered before ``status``, a ``delay_s``
before answering), check Standard Webhooks signatures the way a real receiver must (a request that
does not verify gets 401 and is not recorded), serve TLS, and serve many subscriptions at once, one
URL path each (``url_for``), as the bench does with 1,000 subscriptions.
"""

from __future__ import annotations

import json
import ssl
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from pso_deploy.paths import LOCALHOST

SecretForPath = Callable[[str], str | None]


class Attempt(NamedTuple):
    """One request as it arrived, whatever was answered (a 401 for a bad signature included)."""

    path: str
    webhook_id: str
    status: int


class _Server(ThreadingHTTPServer):
    # The bench fires ~1,000 POSTs at once; the default backlog of 5 would make the kernel drop them.
    request_queue_size = 1024
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients that hang up or refuse our certificate: the tests provoke both."""
        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
            super().handle_error(request, client_address)


class WebhookReceiver:
    """An HTTP(S) server on a free loopback port, in a background thread."""

    def __init__(
        self,
        *,
        status: int = 204,
        script: Iterable[int] = (),
        secret: str | None = None,
        secret_for: SecretForPath | Mapping[str, str] | None = None,
        delay_s: float = 0.0,
        tls: ssl.SSLContext | None = None,
        port: int = 0,
    ) -> None:
        """Args:
        status: what every request is answered once the ``script`` is used up.
        script: statuses answered first, in order, e.g. ``[500, 500, 500]`` before ``status``.
        secret: check every request's signature with this Standard Webhooks secret.
        secret_for: the secret by URL path (a mapping or a function; ``None`` means do not check),
            for one receiver serving many subscriptions; takes precedence over ``secret``.
        delay_s: wait this long before answering, to provoke the sender's timeout.
        tls: serve https with this server-side context (``url`` then starts with https).
        port: the port to listen on (0: a free one); a receiver brought back after ``stop`` takes the same.
        """
        self.status = status
        self.delay_s = delay_s
        self.received: list[dict[str, Any]] = []
        self.webhook_ids: list[str] = []
        self.paths: list[str] = []
        self.received_headers: list[dict[str, str]] = []
        """The headers of each recorded alert, names in lower case."""
        self.arrived_at: list[float] = []
        """``time.monotonic()`` of each arrival, for latency measurements."""
        self.attempts: list[Attempt] = []
        self._script = list(script)
        self._secrets: dict[str, str] = {}
        lookup = _secret_lookup(secret, secret_for)
        self._secret_for: SecretForPath = lambda path: self._secrets.get(path) or lookup(path)
        self._arrived = threading.Condition()
        self._server = _Server((LOCALHOST, port), self._handler_class())
        self._scheme = "http"
        if tls is not None:
            # No handshake in accept(): it would run in the serving thread and stall every other client.
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True, do_handshake_on_connect=False)
            self._scheme = "https"
        # A short poll interval: stop() waits up to one interval for the serving loop to notice.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return self.url_for("/alerts")

    def url_for(self, path: str) -> str:
        """The URL of ``path`` on this receiver, e.g. ``url_for("/alerts/7")``."""
        return f"{self._scheme}://{LOCALHOST}:{self.port}/{path.lstrip('/')}"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def set_secret(self, path: str, secret: str) -> None:
        """Check requests to ``path`` with ``secret`` from now on (a subscription made after start)."""
        with self._arrived:
            self._secrets[path] = secret

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until at least ``count`` alerts were recorded; False on timeout."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.received) >= count, timeout)

    def wait_for_attempts(self, count: int, timeout: float) -> bool:
        """Wait until at least ``count`` requests arrived, whatever they were answered; False on timeout."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.attempts) >= count, timeout)

    def alert_ids(self) -> list[str]:
        """The ``alert_id`` of every recorded delivery (notify's payload: ``{"type", "timestamp", "data"}``)."""
        with self._arrived:
            return [str(body.get("data", {}).get("alert_id")) for body in self.received]

    def unique_ids(self) -> set[str]:
        """The distinct ``webhook-id`` values recorded: what a deduplicating receiver keeps."""
        with self._arrived:
            return set(self.webhook_ids)

    def duplicate_ids(self) -> int:
        """How many ``webhook-id`` values were recorded more than once (at-least-once delivery)."""
        with self._arrived:
            return sum(1 for seen in Counter(self.webhook_ids).values() if seen > 1)

    def _answer(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        """The status for one request; records it, and the alert if it verified and is answered 2xx."""
        webhook_id = headers.get("webhook-id", "")
        secret = self._secret_for(path)
        verified = secret is None or _verifies(secret, body, headers)
        with self._arrived:
            scripted = self._script.pop(0) if verified and self._script else self.status
            status = scripted if verified else 401
            self.attempts.append(Attempt(path, webhook_id, status))
            if verified and 200 <= status < 300:  # noqa: PLR2004
                self.arrived_at.append(time.monotonic())
                self.received.append(json.loads(body))
                self.webhook_ids.append(webhook_id)
                self.paths.append(path)
                self.received_headers.append(headers)
            self._arrived.notify_all()
        return status

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {name.lower(): value for name, value in self.headers.items()}
                if receiver.delay_s > 0:
                    time.sleep(receiver.delay_s)
                status = receiver._answer(urlsplit(self.path).path, body, headers)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Silence the default per-request stderr line."""

        return Handler


def _secret_lookup(secret: str | None, secret_for: SecretForPath | Mapping[str, str] | None) -> SecretForPath:
    if secret_for is None:
        return lambda _path: secret
    if isinstance(secret_for, Mapping):
        return secret_for.get
    return secret_for


def _verifies(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    # Imported here: pso-deploy does not declare standardwebhooks (pso-notify does), and only a
    # receiver that checks signatures needs it.
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    try:
        Webhook(secret).verify(body, headers, json_parse=False)
    except (WebhookVerificationError, ValueError):
        return False
    return True
