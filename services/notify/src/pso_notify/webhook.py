"""The webhook channel: one signed POST to a subscription's URL, checked and pinned at delivery time.

Three defences meet here:

* Server-side request forgery: the URL's name is resolved and every address checked (``destinations``)
  on every send, since a name that was public at subscription time can later point at the metadata
  service. Environment proxies and ``.netrc`` are ignored (``trust_env=False``): a proxy would connect
  to whatever the name resolves to at its end, undoing the check.
* DNS rebinding: the request goes to the checked address itself (the URL's host is replaced by it),
  with the original ``Host`` header, and for https the original name as TLS server name
  (httpcore's ``sni_hostname`` extension becomes ``server_hostname`` of ``start_tls``), so the
  certificate is still verified against the name.
* Connection reuse across names: httpcore pools connections by scheme, host and port only, and the
  host is now an address. Two subscriptions whose names share an address (a CDN, shared hosting)
  would share a TLS connection whose certificate was checked for the other name, and an endpoint
  routing by SNI would hand one subscriber's alert to another. So each destination (scheme and
  ``Host``) gets its own client and connection pool, all sharing one SSL context.

Each destination has at most ``_CONNECTIONS_PER_DESTINATION`` connections, and a semaphore as wide:
httpcore 1.0.9's pool does bookkeeping quadratic in its connections on every request and wakes every
queued request whenever a connection frees up (encode/httpcore#1035). Measured here with 1,000
concurrent sends to one receiver: 100 connections and no semaphore ran into PoolTimeout; 100 with the
semaphore took ~25 s; 10 took ~3 s (the receiver in another process). Waiting on the semaphore is cheap.

Signatures follow Standard Webhooks (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``),
made by the reference library so receivers can verify with any of its ports.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import math
import secrets
import ssl
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import httpx
from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook

from pso_notify.destinations import Address, Resolver, UnsafeDestinationError, resolve
from pso_notify.outcome import AttemptResult, Outcome

USER_AGENT = "pso-notify/1"
_MAX_BODY_BYTES = 4096
"""Read at most this much of a response: enough for a small body to finish (so the connection can be
reused), too little for a hostile endpoint to tie us up streaming."""
_RETRY_STATUSES = frozenset({408, 425, 429})
_CONNECTIONS_PER_DESTINATION = 10


def new_secret() -> str:
    """A fresh signing secret for a subscription, in the Standard Webhooks form ``whsec_<base64>``."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


@dataclass(kw_only=True, frozen=True)
class _PinnedRequest:
    url: httpx.URL
    """The subscription's URL with its host replaced by the checked address."""
    host: str
    """The original ``Host`` header value (IDNA form, with the port if not the default)."""
    extensions: dict[str, Any]


class WebhookSender:
    """Sends signed webhooks; one instance per process, shared by all subscriptions."""

    def __init__(
        self,
        *,
        timeout_s: float,
        allow_loopback: bool,
        resolver: Resolver | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        """Args:
        timeout_s: the limit for resolving the name, and for each phase of the HTTP exchange
            (connect, send, each read); the whole exchange may take twice that.
        allow_loopback: let loopback destinations through, over http too (tests and local demos only).
        resolver: resolves a name to addresses; the system resolver if ``None``.
        verify: the TLS trust for https destinations (a context trusting a test CA in tests).
        """
        self._timeout_s = timeout_s
        self._allow_loopback = allow_loopback
        self._resolver = resolver
        # Building an SSL context loads the CA bundle (tens of milliseconds): one for all destinations.
        self._ssl_context = httpx.create_ssl_context(verify=verify)
        self._destinations: dict[tuple[str, str], _Destination] = {}

    async def aclose(self) -> None:
        destinations, self._destinations = list(self._destinations.values()), {}
        for destination in destinations:
            await destination.client.aclose()

    async def send(
        self, *, url: str, secret: str, message_id: str, body: bytes, timestamp: datetime | None = None
    ) -> AttemptResult:
        """POST ``body`` (JSON) to ``url``, signed with the subscription's ``secret``.

        Args:
            url: the subscription's URL; checked again now, whatever it was at subscription time.
            secret: the subscription's ``whsec_`` secret.
            message_id: the ``webhook-id``, the same on every attempt so receivers can deduplicate.
            body: the JSON payload, UTF-8.
            timestamp: the signing time, timezone-aware; now if ``None``.

        Returns:
            What the attempt came to; its reason names a status code, an error type or the kind of
            address refused, never the URL, an address or the secret.
        """
        try:
            async with asyncio.timeout(self._timeout_s):
                addresses = await resolve(url, allow_loopback=self._allow_loopback, resolver=self._resolver)
        except TimeoutError:
            return AttemptResult(outcome=Outcome.RETRY, reason="DNS resolution timed out")
        except UnsafeDestinationError as exc:
            if isinstance(exc.__cause__, OSError):  # the resolver failed, the name may resolve later
                return AttemptResult(outcome=Outcome.RETRY, reason="DNS resolution failed")
            return AttemptResult(outcome=Outcome.FAILED, reason=str(exc))
        try:
            signer = Webhook(secret)
        except (ValueError, EmptyWebhookSecretError):  # ValueError covers a secret that is not base64
            return AttemptResult(outcome=Outcome.FAILED, reason="the subscription's secret is not a valid secret")
        try:
            target = _pin(url, addresses[0])
        except httpx.InvalidURL:  # a form urlsplit accepted but httpx does not
            return AttemptResult(outcome=Outcome.FAILED, reason="the webhook URL is not a valid URL")
        headers = _signed_headers(signer, message_id, body, timestamp or datetime.now(UTC))
        return await self._post(target, headers, body)

    async def _post(self, target: _PinnedRequest, headers: dict[str, str], body: bytes) -> AttemptResult:
        destination = self._destination(target)
        # Waiting for a free connection to the destination is our own backlog, not the receiver's
        # slowness: it does not count against the timeout.
        async with destination.slots:
            try:
                # httpx limits each phase (connect, write, each read) to timeout_s; this caps the whole,
                # so an endpoint trickling its answer cannot hold a connection for long either.
                async with asyncio.timeout(2 * self._timeout_s):
                    return await _exchange(destination.client, target, headers, body)
            except TimeoutError:
                return AttemptResult(outcome=Outcome.RETRY, reason="TimeoutError (the whole exchange)")
            except httpx.TransportError as exc:  # TimeoutException is one: ConnectTimeout, ReadTimeout...
                return AttemptResult(outcome=Outcome.RETRY, reason=_error_name(exc))

    def _destination(self, target: _PinnedRequest) -> _Destination:
        key = (target.url.scheme, target.host)
        destination = self._destinations.get(key)
        if destination is None:
            client = httpx.AsyncClient(
                verify=self._ssl_context,
                limits=httpx.Limits(
                    max_connections=_CONNECTIONS_PER_DESTINATION,
                    max_keepalive_connections=_CONNECTIONS_PER_DESTINATION,
                    keepalive_expiry=30.0,
                ),
                timeout=httpx.Timeout(self._timeout_s),
                follow_redirects=False,
                trust_env=False,
            )
            destination = _Destination(client=client, slots=asyncio.Semaphore(_CONNECTIONS_PER_DESTINATION))
            self._destinations[key] = destination
        return destination


@dataclass(kw_only=True, frozen=True)
class _Destination:
    """The connections to one scheme and ``Host``, and the right to use one of them."""

    client: httpx.AsyncClient
    slots: asyncio.Semaphore


async def _exchange(
    client: httpx.AsyncClient, target: _PinnedRequest, headers: dict[str, str], body: bytes
) -> AttemptResult:
    request = client.build_request("POST", target.url, content=body, headers={**headers, "host": target.host})
    request.extensions.update(target.extensions)
    response = await client.send(request, stream=True)
    try:
        await _discard_body(response)
    finally:
        await response.aclose()
    return result_for_status(response.status_code)


def result_for_status(status: int) -> AttemptResult:
    """What an HTTP status means for the delivery."""
    reason = f"HTTP {status}"
    if 200 <= status < 300:  # noqa: PLR2004
        return AttemptResult(outcome=Outcome.DELIVERED, status_code=status)
    if status == 410:  # noqa: PLR2004
        return AttemptResult(outcome=Outcome.GONE, reason=reason, status_code=status)
    if status in _RETRY_STATUSES or status >= 500:  # noqa: PLR2004
        return AttemptResult(outcome=Outcome.RETRY, reason=reason, status_code=status)
    if 300 <= status < 400:  # noqa: PLR2004
        reason += " (redirects are not followed)"
    return AttemptResult(outcome=Outcome.FAILED, reason=reason, status_code=status)


def _signed_headers(signer: Webhook, message_id: str, body: bytes, timestamp: datetime) -> dict[str, str]:
    # The library replaces (not converts) the time zone with UTC, so it must get a UTC time.
    moment = timestamp.astimezone(UTC)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(math.floor(moment.timestamp())),
        "webhook-signature": signer.sign(message_id, moment, body.decode()),
    }


def _pin(url: str, address: Address) -> _PinnedRequest:
    original = httpx.URL(url)
    name = original.raw_host.decode("ascii")
    host = f"[{name}]" if ":" in name else name
    if original.port is not None:  # httpx leaves it None when it is the scheme's default
        host = f"{host}:{original.port}"
    extensions: dict[str, Any] = {"sni_hostname": name} if original.scheme == "https" else {}
    return _PinnedRequest(url=original.copy_with(host=str(address)), host=host, extensions=extensions)


async def _discard_body(response: httpx.Response) -> None:
    read = 0
    # aiter_raw is an async generator (typed as a mere iterator): close it when leaving early.
    chunks_generator = cast("AsyncGenerator[bytes, None]", response.aiter_raw())
    async with contextlib.aclosing(chunks_generator) as chunks:
        async for chunk in chunks:
            read += len(chunk)
            if read >= _MAX_BODY_BYTES:
                return


def _error_name(exc: BaseException) -> str:
    """The exception's type name, with the TLS error underneath if there is one (httpx wraps it)."""
    name = type(exc).__name__
    cause: BaseException | None = exc.__cause__ or exc.__context__
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return f"{name} ({type(cause).__name__})"
        cause = cause.__cause__ or cause.__context__
    return name
