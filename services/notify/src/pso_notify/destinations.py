"""Where a webhook may be sent: https, and only to public addresses (no server-side request forgery).

A subscription's URL is checked when it is created and again before every delivery: a name that
resolved to a public address at creation can later resolve to the cloud metadata service. Every
address the name resolves to must be public. Refused: loopback, private (RFC 1918 and unique-local),
link-local (with the metadata address 169.254.169.254), shared carrier-grade NAT space, multicast,
reserved, unspecified and documentation addresses, and the IPv4-mapped and NAT64 forms of these.
``allow_loopback`` (a setting for tests and local demos only) lets loopback through, over http too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import SplitResult, urlsplit

from pso_shared.errors import PermanentError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_DOCUMENTATION = (
    ipaddress.ip_network("192.0.2.0/24"),
    ipaddress.ip_network("198.51.100.0/24"),
    ipaddress.ip_network("203.0.113.0/24"),
    ipaddress.ip_network("2001:db8::/32"),
)


class UnsafeDestinationError(PermanentError):
    """The URL may not receive webhooks; the message says why, and names no resolved address."""


def refusal(address: Address) -> str | None:
    """Why webhooks may not go to ``address``, or ``None`` if it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in _NAT64 else None
        )
        if embedded is not None:
            return refusal(embedded)
    checks = (
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local (cloud metadata lives here)"),
        (address.is_unspecified, "unspecified"),
        (address.is_multicast, "multicast"),
        (address in _CGNAT, "shared address space (carrier-grade NAT)"),
        (any(address in net for net in _DOCUMENTATION), "reserved for documentation"),
        (address.is_reserved, "reserved"),
        (address.is_private, "private"),
        (not address.is_global, "not globally routable"),
    )
    return next((f"a {reason} address" for refused, reason in checks if refused), None)


def parse(url: str, *, allow_loopback: bool) -> SplitResult:
    """The URL's parts, if its form may receive webhooks (its addresses are checked by ``resolve``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        msg = "the webhook URL must be an absolute https URL"
        raise UnsafeDestinationError(msg)
    if parts.username is not None or parts.password is not None:
        msg = "the webhook URL must not carry a user name or password; use the subscription's secret"
        raise UnsafeDestinationError(msg)
    try:
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError as exc:
        msg = "the webhook URL's port is not a valid port number"
        raise UnsafeDestinationError(msg) from exc
    if parts.scheme == "http" and not (allow_loopback and _is_loopback_name(parts.hostname)):
        msg = "the webhook URL must use https"
        raise UnsafeDestinationError(msg)
    return parts


async def resolve(url: str, *, allow_loopback: bool, resolver: Resolver | None = None) -> list[Address]:
    """Every address the URL's host resolves to, if all of them may receive webhooks."""
    parts = parse(url, allow_loopback=allow_loopback)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        names = await (resolver or _system_resolver)(host, port)
    except OSError as exc:
        msg = "the webhook URL's host name does not resolve"
        raise UnsafeDestinationError(msg) from exc
    addresses = [ipaddress.ip_address(name.split("%", 1)[0]) for name in names]
    if not addresses:
        msg = "the webhook URL's host name does not resolve"
        raise UnsafeDestinationError(msg)
    for address in addresses:
        reason = refusal(address)
        if reason is not None and not (allow_loopback and address.is_loopback):
            msg = f"the webhook URL's host resolves to {reason}"
            raise UnsafeDestinationError(msg)
    return addresses


def _is_loopback_name(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _system_resolver(host: str, port: int) -> list[str]:
    try:  # a literal address needs no lookup (and no trip to the resolver's thread)
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in found})
