"""E-mail: one outbox message out through Django's mail backend (SMTP in production).

The Message-ID comes from the idempotency key, so a message sent again after a crash carries
the same Message-ID and mail clients show it once.

Over SMTP, each send is watched (`_Watch`): it has a deadline, SEND_DEADLINE, well inside the
delivery loop's lease, and a failure after the message's final dot was written but before the
server's reply to it was read is `OutcomeUnknown` (the server may well have the message), not an
ordinary transient error that the loop would retry within seconds.
"""

import contextlib
import functools
import hashlib
import smtplib
import socket
import threading
from datetime import UTC, timedelta
from email.utils import format_datetime, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.validators import validate_email
from django.utils import timezone

from tocsin.notify.conf import smtp_timeout

from . import OutcomeUnknown, PermanentError, TransientError, Unreachable

# One send, from connecting (when it has to) to the reply to its message: smtplib's timeout
# (TOCSIN_SMTP_TIMEOUT) is per read, and a server that keeps one reply going with "250-" lines
# would otherwise hold the worker past its lease (LEASE, 60 s), and another worker would send
# the message again.
SEND_DEADLINE = timedelta(seconds=45)


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
        # Built for each attempt, so the time it is sent; with "+0000", as RFC 5322 reserves
        # "-0000" (what Django writes in UTC) for a sender that does not know its offset.
        "Date": format_datetime(timezone.now().astimezone(UTC)),
        # Ask autoresponders (out of office, vacation) not to answer a machine.
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    if message.incident_id:
        headers["References"] = thread_id(message.incident_id)
    # Headers of its own a message carries (a status page e-mail's List-Unsubscribe, RFC 8058):
    # added to these, never replacing them.
    for name, value in (message.data.get("headers") or {}).items():
        headers.setdefault(str(name), str(value))
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


def _seconds(value: float) -> str:
    return f"{value:g} s"


class _Watch:
    """One send on one SMTP session: its deadline, and whether its message awaits the reply.

    When the deadline passes, the socket is shut down from this timer's thread, which ends the
    read or write under way at once; every later read or write of the session refuses.
    """

    def __init__(self):
        self.session: smtplib.SMTP | None = None
        self.expired = False
        self.awaiting_reply = False  # the final dot is written, the reply to it not yet read
        self._timer: threading.Timer | None = None

    def start(self, seconds: float) -> None:
        self.stop()
        self.expired = self.awaiting_reply = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def _expire(self) -> None:
        self.expired = True
        sock = getattr(self.session, "sock", None)
        if sock is not None:
            # The plain socket's shutdown, also for TLS: the SSL object stays as it is for the
            # thread reading from it, which sees the connection end.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watched:
    """smtplib's session, reporting to a _Watch; mixed into SMTP and SMTP_SSL."""

    def __init__(self, *args, watch: _Watch, **kwargs):
        self.watch = watch
        self._in_data = False
        watch.session = self
        super().__init__(*args, **kwargs)

    def _check(self) -> None:
        if self.watch.expired:
            self.close()
            raise smtplib.SMTPServerDisconnected("the send deadline passed")

    def send(self, s):
        self._check()
        super().send(s)
        if self._in_data and isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            # The whole message, final dot included, is on its way: the server may take it.
            self.watch.awaiting_reply = True

    def getreply(self):
        self._check()
        reply = super().getreply()
        self.watch.awaiting_reply = False
        return reply

    def data(self, msg):
        self._in_data = True
        try:
            return super().data(msg)
        finally:
            self._in_data = False


class _WatchedSMTP(_Watched, smtplib.SMTP):
    """A plain (or STARTTLS) session under the send deadline."""


class _WatchedSMTPSSL(_Watched, smtplib.SMTP_SSL):
    """An SMTPS session under the send deadline."""


class _Backend(SmtpBackend):
    """Django's SMTP backend, with its sessions watched."""

    def __init__(self, *args, watch: _Watch, **kwargs):
        super().__init__(*args, **kwargs)
        self.watch = watch

    @property
    def connection_class(self):
        session = _WatchedSMTPSSL if self.use_ssl else _WatchedSMTP
        return functools.partial(session, watch=self.watch)

    def abort(self) -> None:
        """Drop the session without QUIT: after a failure it may be mid-command, or stalled."""
        for session in (self._partial_connection, self.connection):
            if session is not None:
                with contextlib.suppress(Exception):
                    session.close()
        self._partial_connection = self.connection = None


def not_confirmed(error: Exception, watch: _Watch, message) -> OutcomeUnknown:
    """The message went to the server, whose reply never came."""
    if watch.expired:
        why = f"no answer within {_seconds(SEND_DEADLINE.total_seconds())}"
    elif isinstance(error, TimeoutError) or "timed out" in str(error):
        why = f"no answer in {_seconds(smtp_timeout())}"
    elif isinstance(error, smtplib.SMTPServerDisconnected):
        why = "it closed the connection"
    else:
        why = f"{type(error).__name__}: {error}"
    return OutcomeUnknown(
        "the mail server took the message",
        why=why,
        provider_message_id=message_id(message.idempotency_key),
    )


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def kept_here() -> str:
    """Why e-mail is kept here instead of sent, or "": Django's SMTP backend with no host set.

    Without TOCSIN_SMTP_HOST there is no mail server to hand e-mail to (trying localhost:25
    would fail on most machines, attempt after attempt): each message is kept, readable on the
    Deliveries page. Another backend (TOCSIN_EMAIL_BACKEND) is used as it is.
    """
    if settings.EMAIL_BACKEND == SMTP_BACKEND and not settings.EMAIL_HOST:
        return "no mail server is set up (TOCSIN_SMTP_HOST is empty)"
    return ""


class Sender:
    """Sends a batch over one connection, opened at the first message and reopened after errors."""

    kept_here = staticmethod(kept_here)

    def __init__(self):
        self.connection = None
        self.watch = _Watch()

    def _backend(self):
        timeout = smtp_timeout()
        connection = get_connection(fail_silently=False, timeout=timeout)
        if type(connection) is SmtpBackend:
            connection = _Backend(fail_silently=False, timeout=timeout, watch=self.watch)
        return connection

    def _open(self):
        connection = self._backend()
        try:
            connection.open()
        except Exception as error:
            self._abort(connection)
            raise unreachable(TimeoutError() if self.watch.expired else error) from error
        return connection

    def send(self, message) -> str:
        try:
            validate_email(message.address)
        except ValidationError:
            raise PermanentError("the address is not a valid e-mail address") from None
        self.watch.start(SEND_DEADLINE.total_seconds())
        try:
            return self._send(message)
        finally:
            self.watch.stop()
            if self.watch.expired:
                self._discard()  # its socket is shut: the next message opens a new one

    def _send(self, message) -> str:
        if self.connection is None:
            self.connection = self._open()
        try:
            email = build(message, connection=self.connection)
            sent = self.connection.send_messages([email])
        except Exception as error:
            # After a failure the SMTP session may be half-way through a command, or stalled:
            # drop it without a QUIT and start over.
            self._discard()
            if self.watch.awaiting_reply:
                raise not_confirmed(error, self.watch, message) from error
            if self.watch.expired:
                raise TransientError(
                    f"the mail server {_server()} did not finish within "
                    f"{_seconds(SEND_DEADLINE.total_seconds())}"
                ) from error
            raise classify(error, message.address) from error
        if sent != 1:
            self._discard()
            raise TransientError("the mail backend did not send the message")
        return message_id(message.idempotency_key)

    @staticmethod
    def _abort(connection) -> None:
        abort = getattr(connection, "abort", None)
        # A broken connection is being thrown away: an error closing it changes nothing.
        with contextlib.suppress(Exception):
            abort() if abort is not None else connection.close()

    def _discard(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            self._abort(connection)

    def close(self) -> None:
        """At the end of a batch: QUIT, within the deadline too."""
        connection, self.connection = self.connection, None
        if connection is None:
            return
        self.watch.start(SEND_DEADLINE.total_seconds())
        try:
            with contextlib.suppress(Exception):
                connection.close()
        finally:
            self.watch.stop()
