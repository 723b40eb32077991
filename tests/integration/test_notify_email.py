"""The e-mail channel against a real SMTP server (aiosmtpd on a free local port).

Each reply the server can give maps to one outcome, and no reason carries an address or the reply text.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage

import aiosmtplib
import pytest

from pso_deploy.paths import LOCALHOST, free_port
from pso_notify.content import email_message
from pso_notify.email import EmailSender, attempt_result_of
from pso_notify.outcome import AttemptResult, Outcome
from pso_notify.settings import NotifySettings
from pso_shared.messages.alerts import Alert
from pso_shared.types import CareSetting, Category, HarmDegree, SreCode
from tests.smtp_support import RecordingHandler, smtp_server

pytestmark = pytest.mark.timeout(60)

RECIPIENT = "safety.officer@hospital.example.org"
SENDER = "PSO safety alerts <alerts@pso.example.org>"
NARRATIVE = "Resident found on the floor of the bathroom; hip fracture confirmed on X-ray."


@pytest.fixture
def accepting() -> Iterator[tuple[RecordingHandler, int]]:
    handler = RecordingHandler()
    with smtp_server(handler) as port:
        yield handler, port


def sender_for(port: int, *, timeout_s: float = 10.0) -> EmailSender:
    return EmailSender(
        NotifySettings(smtp_host=LOCALHOST, smtp_port=port, smtp_from=SENDER, delivery_timeout_s=timeout_s)
    )


def alert() -> Alert:
    return Alert(
        event_id="evt-0042",
        correlation_id="corr-0042",
        alert_id="immediate:evt-0042",
        rule="immediate",
        reasons=["harm: severe", "serious reportable event 4E"],
        org_pseudonym="org_ab12",
        care_setting=CareSetting.NURSING_HOME,
        primary_category=Category.FALL,
        categories=[Category.FALL],
        harm_degree=HarmDegree.SEVERE,
        sre_code=SreCode.S4E,
        summary=NARRATIVE,
        raised_at=datetime(2024, 5, 8, 9, 30, tzinfo=UTC),
    )


def message_to(recipient: str = RECIPIENT) -> EmailMessage:
    return email_message(
        alert(),
        sender=SENDER,
        recipient=recipient,
        link_base="https://pso.example.org/events/",
        message_id="immediate:evt-0042:sub-1",
    )


def assert_no_identifying_text(result: AttemptResult) -> None:
    assert result.reason is not None
    for secret in ("@", RECIPIENT, "safety.officer", "hospital.example.org", "pso.example.org", "127.0.0.1"):
        assert secret not in result.reason


async def test_message_arrives_with_recipient_subject_and_both_bodies(
    accepting: tuple[RecordingHandler, int],
) -> None:
    handler, port = accepting
    sender = sender_for(port)

    result = await sender.send(message_to())

    assert result == AttemptResult(outcome=Outcome.DELIVERED)
    [envelope] = handler.envelopes
    assert envelope.mail_from == "alerts@pso.example.org"
    assert envelope.rcpt_tos == [RECIPIENT]
    assert isinstance(envelope.content, bytes)
    received = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert isinstance(received, EmailMessage)
    # The folder puts a long subject starting with "[" on a continuation line, which is valid; the 3.11
    # parser keeps the fold's space in the value (CPython gh-124452), so compare without it.
    assert (
        str(received["Subject"]).lstrip()
        == "[PSO alert] Severe harm - serious reportable event 4E - fall - nursing home"
    )
    assert received["To"] == RECIPIENT
    assert received["X-PSO-Alert-Id"] == "immediate:evt-0042"
    bodies = {part.get_content_type(): part.get_content() for part in received.iter_parts()}
    assert set(bodies) == {"text/plain", "text/html"}
    for body in bodies.values():
        assert "hip fracture confirmed" in body
        assert "https://pso.example.org/events/evt-0042" in body
        assert "org_ab12" in body
    assert sender.sender_address == SENDER


async def test_refused_recipient_fails_without_the_address() -> None:
    handler = RecordingHandler(rcpt_reply="550 5.1.1 <{address}>: Recipient address rejected: User unknown")
    with smtp_server(handler) as port:
        result = await sender_for(port).send(message_to())

    assert result.outcome is Outcome.FAILED
    assert result.status_code == 550
    assert result.reason is not None
    assert "550" in result.reason
    assert_no_identifying_text(result)
    assert handler.envelopes == []


async def test_refused_message_fails() -> None:
    handler = RecordingHandler(data_reply=f"554 5.7.1 Message for {RECIPIENT} rejected as spam")
    with smtp_server(handler) as port:
        result = await sender_for(port).send(message_to())

    assert result.outcome is Outcome.FAILED
    assert result.reason == "SMTP 554"
    assert_no_identifying_text(result)


async def test_temporary_refusal_is_retried() -> None:
    handler = RecordingHandler(rcpt_reply="451 4.3.0 <{address}>: Temporary lookup failure")
    with smtp_server(handler) as port:
        result = await sender_for(port).send(message_to())

    assert result.outcome is Outcome.RETRY
    assert result.reason == "SMTP 451"
    assert_no_identifying_text(result)


async def test_no_server_listening_is_retried() -> None:
    result = await sender_for(free_port()).send(message_to())

    assert result.outcome is Outcome.RETRY
    assert result.reason == "SMTPConnectError"


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """Accepts connections and never greets: the client has to give up on its own deadline."""

    async def never_greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(never_greet, LOCALHOST, 0)
    port: int = server.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        server.close()
        await server.wait_closed()


async def test_silent_server_times_out_and_is_retried(silent_server: int) -> None:
    started = asyncio.get_running_loop().time()

    result = await sender_for(silent_server, timeout_s=0.5).send(message_to())

    assert result.outcome is Outcome.RETRY
    assert result.reason in {"SMTPConnectTimeoutError", "TimeoutError"}
    assert asyncio.get_running_loop().time() - started < 5


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (aiosmtplib.SMTPSenderRefused(553, f"<{RECIPIENT}> not allowed", RECIPIENT), (Outcome.FAILED, "SMTP 553")),
        (aiosmtplib.SMTPDataError(452, "mailbox full"), (Outcome.RETRY, "SMTP 452")),
        (aiosmtplib.SMTPConnectResponseError(421, "too busy"), (Outcome.RETRY, "SMTP 421")),
        (aiosmtplib.SMTPAuthenticationError(535, "bad credentials"), (Outcome.RETRY, "SMTP 535 authentication")),
        (aiosmtplib.SMTPServerDisconnected("gone"), (Outcome.RETRY, "SMTPServerDisconnected")),
        (aiosmtplib.SMTPNotSupported("no STARTTLS"), (Outcome.RETRY, "SMTPNotSupported")),
        (ConnectionResetError("reset"), (Outcome.RETRY, "ConnectionResetError")),
        (
            aiosmtplib.SMTPRecipientsRefused(
                [
                    aiosmtplib.SMTPRecipientRefused(550, "no", RECIPIENT),
                    aiosmtplib.SMTPRecipientRefused(450, "busy", "x"),
                ]
            ),
            (Outcome.RETRY, "SMTP 450"),
        ),
    ],
)
def test_each_smtp_error_maps_to_one_outcome(error: Exception, expected: tuple[Outcome, str]) -> None:
    result = attempt_result_of(error)

    assert (result.outcome, result.reason) == expected
    assert_no_identifying_text(result)
