"""E-mail: one outbox message out through Django's mail backend (SMTP in production).

The Message-ID comes from the idempotency key, so a message sent again after a crash carries
the same Message-ID and mail clients show it once.
"""

import contextlib
import hashlib
import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email

from tocsin.notify.conf import smtp_timeout

from . import PermanentError, TransientError, Unreachable


def _domain() -> str:
    """The sender's domain: Message-IDs should be unique to the site that makes them."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2].strip()
    return domain or "tocsin.invalid"


def message_id(idempotency_key: str) -> str:
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}.tocsin@{_domain()}>"


def thread_id(incident_id: int) -> str:
    """Every e-mail about one incident refers to this id, so mail clients thread them."""
    return f"<incident-{incident_id}.tocsin@{_domain()}>"


def build(message, *, connection=None) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": message_id(message.idempotency_key),
        # Ask autoresponders (out of office, vacation) not to answer a machine.
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    if message.incident_id:
        headers["References"] = thread_id(message.incident_id)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.address],
        headers=headers,
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def _text(reply) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return " ".join(str(reply).split())


def _by_code(code: int, reply, what: str):
    detail = f"{what}: {code} {_text(reply)}".strip()
    if 500 <= code <= 599:
        return PermanentError(detail)
    return TransientError(detail)


def _server() -> str:
    return f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"


def classify(error: Exception, address: str):
    """Sort a failure while sending one message into transient (try again) or permanent."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()), (0, b""))
        return _by_code(code, reply, "the mail server refused the recipient")
    if isinstance(error, smtplib.SMTPSenderRefused):
        # The sender is the same for every message: a setting to fix, not this message's fault.
        return Unreachable(
            f"the mail server refused the sender {error.sender} "
            f"({error.smtp_code} {_text(error.smtp_error)}): check TOCSIN_EMAIL_FROM"
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return _by_code(error.smtp_code, error.smtp_error, "the mail server refused the message")
    # smtplib reports a read timeout as SMTPServerDisconnected("… timed out").
    disconnected = isinstance(error, smtplib.SMTPServerDisconnected)
    if isinstance(error, TimeoutError) or (disconnected and "timed out" in str(error)):
        return TransientError(f"the mail server {_server()} did not answer in time")
    if disconnected:
        return TransientError(f"the mail server closed the connection: {error}")
    if isinstance(error, OSError):
        return TransientError(f"the connection to the mail server {_server()} failed: {error}")
    if isinstance(error, ValueError):  # an address Django will not put in a header
        return PermanentError(f"the address cannot be used as an e-mail address: {error}")
    return TransientError(f"unexpected {type(error).__name__}: {error}")


def unreachable(error: Exception) -> Unreachable:
    """A failure before any message could be offered: every message would fail the same way."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return Unreachable(
            f"the mail server refused the login ({error.smtp_code} {_text(error.smtp_error)}): "
            "check TOCSIN_SMTP_USER and TOCSIN_SMTP_PASSWORD"
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return Unreachable(
            f"the mail server {_server()} turned the connection away: "
            f"{error.smtp_code} {_text(error.smtp_error)}"
        )
    if isinstance(error, TimeoutError):
        return Unreachable(f"cannot reach the mail server {_server()}: no answer in time")
    return Unreachable(f"cannot reach the mail server {_server()}: {error or type(error).__name__}")


class Sender:
    """Sends a batch over one connection, opened at the first message and reopened after errors."""

    def __init__(self):
        self.connection = None

    def _open(self):
        connection = get_connection(fail_silently=False, timeout=smtp_timeout())
        try:
            connection.open()
        except Exception as error:
            with contextlib.suppress(Exception):
                connection.close()
            raise unreachable(error) from error
        return connection

    def send(self, message) -> str:
        try:
            validate_email(message.address)
        except ValidationError:
            raise PermanentError("the address is not a valid e-mail address") from None
        if self.connection is None:
            self.connection = self._open()
        try:
            email = build(message, connection=self.connection)
            sent = self.connection.send_messages([email])
        except Exception as error:
            # After a failure the SMTP session may be half-way through a command; start over.
            self.close()
            raise classify(error, message.address) from error
        if sent != 1:
            self.close()
            raise TransientError("the mail backend did not send the message")
        return message_id(message.idempotency_key)

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        # A broken connection is being thrown away: an error closing it changes nothing.
        with contextlib.suppress(Exception):
            connection.close()
