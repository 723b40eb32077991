"""The e-mail channel: one SMTP attempt per message, its result an ``AttemptResult``.

``aiosmtplib`` exceptions are translated here, at the edge, by one table (``attempt_result_of``):

- accepted by the server -> ``DELIVERED``
- an SMTP 5xx reply (recipient, sender or message refused) -> ``FAILED``, reason "SMTP 550"
- an SMTP 4xx reply (try later) -> ``RETRY``, reason "SMTP 451"
- an authentication reply -> ``RETRY``: the credentials are ours, every message would fail alike,
  and an operator can fix them while the retry schedule runs, so no alert is dead-lettered for it
- no connection, a timeout, a dropped connection, a TLS failure -> ``RETRY`` with the exception type

Reasons hold a reply code or an exception type only: the server's reply text can echo the address.
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

import aiosmtplib

from pso_notify.outcome import AttemptResult, Outcome
from pso_notify.settings import NotifySettings

_PERMANENT_CLASS = 5
_TRANSIENT_CLASS = 4


def _result_of_reply(code: int) -> AttemptResult:
    reason = f"SMTP {code}"
    if code // 100 == _PERMANENT_CLASS:
        return AttemptResult(outcome=Outcome.FAILED, reason=reason, status_code=code)
    # 4xx asks to try later; any other code where a refusal was expected is the server misbehaving,
    # which is not this message's fault either.
    return AttemptResult(outcome=Outcome.RETRY, reason=reason, status_code=code)


def attempt_result_of(error: Exception) -> AttemptResult:
    """What an exception raised by one SMTP attempt means for the delivery.

    Args:
        error: The exception ``aiosmtplib.send`` (or the attempt's deadline) raised.

    Returns:
        The attempt's result; its reason names a reply code or an exception type, never the reply text.
    """
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refusal.code for refusal in error.recipients]
        # Every recipient was refused; a transient refusal of any of them makes the message worth retrying.
        transient = [code for code in codes if code // 100 == _TRANSIENT_CLASS]
        return _result_of_reply(transient[0] if transient else max(codes, default=550))
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return AttemptResult(outcome=Outcome.RETRY, reason=f"SMTP {error.code} authentication", status_code=error.code)
    if isinstance(error, aiosmtplib.SMTPResponseException) and error.code > 0:
        return _result_of_reply(error.code)
    return AttemptResult(outcome=Outcome.RETRY, reason=type(error).__name__)


class EmailSender:
    """Sends alert e-mails through the configured SMTP relay, one connection per message."""

    def __init__(self, settings: NotifySettings) -> None:
        self._settings = settings

    @property
    def sender_address(self) -> str:
        """The From header of every alert e-mail, e.g. "PSO safety alerts <alerts@pso.example.org>"."""
        return self._settings.smtp_from

    async def send(self, message: EmailMessage) -> AttemptResult:
        """Hand one message to the SMTP relay.

        Args:
            message: The message, e.g. from ``content.email_message``; its To header is the envelope
                recipient.

        Returns:
            ``DELIVERED`` when the relay accepted it, else ``RETRY`` or ``FAILED`` with the reply code
            or the exception type.
        """
        s = self._settings
        password = s.smtp_password.get_secret_value() if s.smtp_password is not None else None
        try:
            # One deadline for the whole attempt: aiosmtplib's timeout bounds each step only.
            async with asyncio.timeout(s.delivery_timeout_s):
                refused, _ = await aiosmtplib.send(
                    message,
                    sender=parseaddr(s.smtp_from)[1] or None,
                    recipients=_recipients_of(message),
                    hostname=s.smtp_host,
                    port=s.smtp_port,
                    username=s.smtp_username,
                    password=password,
                    use_tls=s.smtp_tls,
                    start_tls=s.smtp_starttls,
                    timeout=s.delivery_timeout_s,
                )
        # OSError covers what aiosmtplib lets through untranslated: the deadline's TimeoutError and a
        # failed STARTTLS handshake's ssl.SSLError are both OSErrors.
        except (aiosmtplib.SMTPException, OSError) as error:
            return attempt_result_of(error)
        if refused:
            # Only with several recipients: the others have the message, so a retry would send them a
            # duplicate. Record the refusal instead of retrying.
            code = max(response.code for response in refused.values())
            return AttemptResult(outcome=Outcome.FAILED, reason=f"SMTP {code} for some recipients", status_code=code)
        return AttemptResult(outcome=Outcome.DELIVERED)


def _recipients_of(message: EmailMessage) -> list[str]:
    headers = [str(value) for field in ("To", "Cc", "Bcc") for value in message.get_all(field, [])]
    return [address for _, address in getaddresses(headers) if address]
