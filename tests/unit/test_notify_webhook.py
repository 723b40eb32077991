"""The webhook channel against local receivers: signatures, status mapping, SSRF check and pinning."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks.webhooks import Webhook

from pso_deploy.paths import LOCALHOST
from pso_deploy.receiver import WebhookReceiver
from pso_notify.destinations import Resolver
from pso_notify.outcome import Outcome
from pso_notify.webhook import USER_AGENT, WebhookSender, _pin, new_secret, result_for_status

pytestmark = pytest.mark.timeout(30)

NAME = "alerts.example.test"
BODY = b'{"alert_id": "al-1", "severity": "high"}'


def resolver(table: dict[str, str]) -> Resolver:
    """A fake DNS: ``table`` maps names to one address each; other names do not resolve."""

    async def answer(host: str, port: int) -> list[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "unknown name")
        return [table[host]]

    return answer


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for the DNS name ``name`` (and no IP address), and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def tls_pair(directory: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context presenting a certificate for ``name``, and a client context trusting only it."""
    cert_path, key_path = self_signed(directory, name)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_path, key_path)
    return server, ssl.create_default_context(cafile=cert_path)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOCALHOST, 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def receiver_factory() -> Iterator[list[WebhookReceiver]]:
    started: list[WebhookReceiver] = []
    yield started
    for receiver in started:
        receiver.stop()


def start(started: list[WebhookReceiver], receiver: WebhookReceiver) -> WebhookReceiver:
    started.append(receiver.start())
    return receiver


async def send(sender: WebhookSender, url: str, secret: str | None = None, message_id: str = "al-1") -> Outcome:
    result = await sender.send(url=url, secret=secret or new_secret(), message_id=message_id, body=BODY)
    return result.outcome


@pytest.fixture
async def loopback_sender() -> AsyncIterator[WebhookSender]:
    sender = WebhookSender(timeout_s=2.0, allow_loopback=True)
    yield sender
    await sender.aclose()


def test_new_secrets_are_standard_webhooks_secrets_and_differ() -> None:
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_")
    assert first != second
    Webhook(first)  # the library accepts it


async def test_the_signature_verifies_with_the_subscriptions_secret(
    receiver_factory: list[WebhookReceiver], loopback_sender: WebhookSender
) -> None:
    secret = new_secret()
    receiver = start(receiver_factory, WebhookReceiver(secret=secret))
    result = await loopback_sender.send(url=receiver.url, secret=secret, message_id="al-7", body=BODY)

    assert result.outcome is Outcome.DELIVERED
    assert receiver.received == [{"alert_id": "al-1", "severity": "high"}]
    headers = receiver.received_headers[0]
    assert headers["webhook-id"] == "al-7"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == USER_AGENT
    assert headers["webhook-timestamp"].isdigit()
    Webhook(secret).verify(BODY, headers)  # the same check, here, independent of the receiver


async def test_the_signature_covers_the_given_timestamp(
    receiver_factory: list[WebhookReceiver], loopback_sender: WebhookSender
) -> None:
    secret = new_secret()
    receiver = start(receiver_factory, WebhookReceiver(secret=secret))
    # An hour ahead of UTC: the header must still carry the instant, not the wall-clock digits.
    moment = dt.datetime.now(dt.timezone(dt.timedelta(hours=1)))
    result = await loopback_sender.send(url=receiver.url, secret=secret, message_id="al-8", body=BODY, timestamp=moment)

    assert result.outcome is Outcome.DELIVERED
    assert receiver.received_headers[0]["webhook-timestamp"] == str(int(moment.timestamp()))


async def test_a_receiver_with_another_secret_refuses_the_signature(
    receiver_factory: list[WebhookReceiver], loopback_sender: WebhookSender
) -> None:
    receiver = start(receiver_factory, WebhookReceiver(secret=new_secret()))
    result = await loopback_sender.send(url=receiver.url, secret=new_secret(), message_id="al-9", body=BODY)

    assert (result.outcome, result.status_code) == (Outcome.FAILED, 401)
    assert receiver.received == []
    assert receiver.attempts == [("/alerts", "al-9", 401)]


async def test_an_invalid_secret_fails_without_a_request(
    receiver_factory: list[WebhookReceiver], loopback_sender: WebhookSender
) -> None:
    receiver = start(receiver_factory, WebhookReceiver())
    result = await loopback_sender.send(url=receiver.url, secret="whsec_", message_id="al-1", body=BODY)  # noqa: S106 - empty on purpose

    assert result.outcome is Outcome.FAILED
    assert receiver.attempts == []


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.DELIVERED),
        (204, Outcome.DELIVERED),
        (410, Outcome.GONE),
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
        (429, Outcome.RETRY),
        (408, Outcome.RETRY),
        (400, Outcome.FAILED),
        (404, Outcome.FAILED),
        (302, Outcome.FAILED),
    ],
)
async def test_each_status_maps_to_its_outcome(
    receiver_factory: list[WebhookReceiver], loopback_sender: WebhookSender, status: int, outcome: Outcome
) -> None:
    receiver = start(receiver_factory, WebhookReceiver(status=status))
    result = await loopback_sender.send(url=receiver.url, secret=new_secret(), message_id="al-1", body=BODY)

    assert (result.outcome, result.status_code) == (outcome, status)
    assert result.reason == (None if outcome is Outcome.DELIVERED else result_for_status(status).reason)
    assert len(receiver.attempts) == 1  # one request, no redirect followed, no retry inside the sender


def test_reasons_name_the_status_only() -> None:
    assert result_for_status(503).reason == "HTTP 503"
    assert result_for_status(302).reason == "HTTP 302 (redirects are not followed)"
    assert result_for_status(425).outcome is Outcome.RETRY


async def test_a_scripted_receiver_fails_then_accepts_and_keeps_the_webhook_id(
    receiver_factory: list[WebhookReceiver], loopback_sender: WebhookSender
) -> None:
    receiver = start(receiver_factory, WebhookReceiver(script=[500, 503]))
    outcomes = [await send(loopback_sender, receiver.url, message_id="al-3") for _ in range(3)]

    assert outcomes == [Outcome.RETRY, Outcome.RETRY, Outcome.DELIVERED]
    assert [attempt.status for attempt in receiver.attempts] == [500, 503, 204]
    assert receiver.webhook_ids == ["al-3"]


async def test_a_receiver_slower_than_the_timeout_is_retried(receiver_factory: list[WebhookReceiver]) -> None:
    receiver = start(receiver_factory, WebhookReceiver(delay_s=2.0))
    sender = WebhookSender(timeout_s=0.3, allow_loopback=True)
    result = await sender.send(url=receiver.url, secret=new_secret(), message_id="al-1", body=BODY)
    await sender.aclose()

    assert result.outcome is Outcome.RETRY
    assert result.reason is not None
    assert "Timeout" in result.reason


async def test_a_closed_port_is_retried(loopback_sender: WebhookSender) -> None:
    result = await loopback_sender.send(
        url=f"http://{LOCALHOST}:{closed_port()}/alerts", secret=new_secret(), message_id="al-1", body=BODY
    )

    assert (result.outcome, result.reason) == (Outcome.RETRY, "ConnectError")


async def test_a_name_that_does_not_resolve_is_retried() -> None:
    sender = WebhookSender(timeout_s=2.0, allow_loopback=False, resolver=resolver({}))
    result = await sender.send(url=f"https://{NAME}/x", secret=new_secret(), message_id="al-1", body=BODY)
    await sender.aclose()

    assert (result.outcome, result.reason) == (Outcome.RETRY, "DNS resolution failed")


async def test_without_allow_loopback_nothing_reaches_a_loopback_receiver(
    receiver_factory: list[WebhookReceiver],
) -> None:
    receiver = start(receiver_factory, WebhookReceiver())
    https_url = f"https://{NAME}:{receiver.port}/alerts"
    sender = WebhookSender(timeout_s=2.0, allow_loopback=False, resolver=resolver({NAME: LOCALHOST}))
    plain = await sender.send(url=receiver.url, secret=new_secret(), message_id="al-1", body=BODY)
    by_name = await sender.send(url=https_url, secret=new_secret(), message_id="al-1", body=BODY)
    await sender.aclose()

    assert (plain.outcome, plain.reason) == (Outcome.FAILED, "the webhook URL must use https")
    assert by_name.outcome is Outcome.FAILED
    assert by_name.reason is not None
    assert "loopback" in by_name.reason
    assert LOCALHOST not in by_name.reason
    assert receiver.attempts == []


async def test_a_name_resolving_to_a_private_address_is_refused_before_any_request(
    receiver_factory: list[WebhookReceiver],
) -> None:
    receiver = start(receiver_factory, WebhookReceiver())
    sender = WebhookSender(timeout_s=2.0, allow_loopback=True, resolver=resolver({NAME: "10.0.0.5"}))
    result = await sender.send(url=f"https://{NAME}:{receiver.port}/x", secret=new_secret(), message_id="a", body=BODY)
    await sender.aclose()

    assert result.outcome is Outcome.FAILED
    assert result.reason == "the webhook URL's host resolves to a private address"
    assert receiver.attempts == []


async def test_https_is_pinned_to_the_checked_address_and_verified_against_the_name(
    receiver_factory: list[WebhookReceiver], tmp_path: Path
) -> None:
    server_tls, client_tls = tls_pair(tmp_path, NAME)
    receiver = start(receiver_factory, WebhookReceiver(tls=server_tls))
    # The name exists only in the fake resolver: reaching the receiver proves the connection went to the
    # checked address; DELIVERED proves TLS checked the certificate, which names NAME and not the address.
    sender = WebhookSender(timeout_s=2.0, allow_loopback=True, resolver=resolver({NAME: LOCALHOST}), verify=client_tls)
    url = f"https://{NAME}:{receiver.port}/x?y=1"
    result = await sender.send(url=url, secret=new_secret(), message_id="al-1", body=BODY)
    await sender.aclose()

    assert result.outcome is Outcome.DELIVERED
    assert receiver.paths == ["/x"]
    assert receiver.received_headers[0]["host"] == f"{NAME}:{receiver.port}"


async def test_a_certificate_for_another_name_is_refused(
    receiver_factory: list[WebhookReceiver], tmp_path: Path
) -> None:
    server_tls, client_tls = tls_pair(tmp_path, "other.example.test")
    receiver = start(receiver_factory, WebhookReceiver(tls=server_tls))
    sender = WebhookSender(timeout_s=2.0, allow_loopback=True, resolver=resolver({NAME: LOCALHOST}), verify=client_tls)
    url = f"https://{NAME}:{receiver.port}/x"
    result = await sender.send(url=url, secret=new_secret(), message_id="al-1", body=BODY)
    await sender.aclose()

    # RETRY, not FAILED: a wrong or expired certificate is the receiver's configuration, which its owner
    # can fix within the retry window; httpx reports it as ConnectError, the reason names the TLS error.
    assert (result.outcome, result.reason) == (Outcome.RETRY, "ConnectError (SSLCertVerificationError)")
    assert receiver.received == []


async def test_a_connection_opened_for_one_name_is_not_reused_for_another_on_the_same_address(
    receiver_factory: list[WebhookReceiver], tmp_path: Path
) -> None:
    server_tls, client_tls = tls_pair(tmp_path, NAME)
    receiver = start(receiver_factory, WebhookReceiver(tls=server_tls))
    other = "other.example.test"  # same address, but the certificate does not name it
    dns = resolver({NAME: LOCALHOST, other: LOCALHOST})
    sender = WebhookSender(timeout_s=2.0, allow_loopback=True, resolver=dns, verify=client_tls)
    first = await send(sender, f"https://{NAME}:{receiver.port}/x")
    second = await sender.send(url=f"https://{other}:{receiver.port}/x", secret=new_secret(), message_id="b", body=BODY)
    await sender.aclose()

    # With one pool keyed by address, the second request would ride the first's connection and succeed.
    assert first is Outcome.DELIVERED
    assert (second.outcome, second.reason) == (Outcome.RETRY, "ConnectError (SSLCertVerificationError)")
    assert len(receiver.received) == 1


async def test_one_receiver_serves_many_subscriptions_each_with_its_secret(
    receiver_factory: list[WebhookReceiver], loopback_sender: WebhookSender
) -> None:
    secrets = {f"/alerts/{n}": new_secret() for n in range(3)}
    receiver = start(receiver_factory, WebhookReceiver(secret_for=secrets))
    for path, secret in secrets.items():
        assert await send(loopback_sender, receiver.url_for(path), secret=secret, message_id=path) is Outcome.DELIVERED
    assert await send(loopback_sender, receiver.url_for("/alerts/0"), message_id="x") is Outcome.FAILED
    assert await send(loopback_sender, receiver.url_for("/alerts/0"), secrets["/alerts/0"], "/alerts/0") is (
        Outcome.DELIVERED
    )

    assert receiver.paths == [*secrets, "/alerts/0"]
    assert receiver.unique_ids() == set(secrets)
    assert receiver.duplicate_ids() == 1
    assert [attempt.status for attempt in receiver.attempts] == [204, 204, 204, 401, 204]


@pytest.mark.parametrize(
    ("url", "address", "pinned", "host", "sni"),
    [
        ("https://alerts.example.test/x?y=1", "93.184.216.34", "https://93.184.216.34/x?y=1", NAME, NAME),
        ("https://alerts.example.test:8443/x", "2606:2800::1", "https://[2606:2800::1]:8443/x", f"{NAME}:8443", NAME),
        ("https://[2606:2800::1]/x", "2606:2800::1", "https://[2606:2800::1]/x", "[2606:2800::1]", "2606:2800::1"),
        ("https://bücher.example/x", "93.184.216.34", "https://93.184.216.34/x", "xn--bcher-kva.example", None),
        ("http://localhost:8080/x", "127.0.0.1", "http://127.0.0.1:8080/x", "localhost:8080", None),
    ],
)
def test_the_request_goes_to_the_address_with_the_names_host_header_and_sni(
    url: str, address: str, pinned: str, host: str, sni: str | None
) -> None:
    target = _pin(url, ipaddress.ip_address(address))
    assert str(target.url) == pinned
    assert target.host == host
    if url.startswith("https"):
        assert target.extensions == {"sni_hostname": sni or host}
    else:
        assert target.extensions == {}


async def test_a_burst_of_concurrent_sends_to_many_subscriptions_on_one_receiver(
    receiver_factory: list[WebhookReceiver], loopback_sender: WebhookSender
) -> None:
    secrets = {f"/alerts/{n}": new_secret() for n in range(300)}
    receiver = start(receiver_factory, WebhookReceiver(secret_for=secrets))
    results = await asyncio.gather(
        *(send(loopback_sender, receiver.url_for(path), secret, message_id=path) for path, secret in secrets.items())
    )

    assert set(results) == {Outcome.DELIVERED}
    assert sorted(receiver.paths) == sorted(secrets)
    assert receiver.unique_ids() == set(secrets)
    assert receiver.duplicate_ids() == 0
