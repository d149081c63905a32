"""Webhook: one outbox message POSTed, signed, to the webhook's URL with httpx.

The webhook is looked up when the message is sent, so a corrected URL or a rotated secret
applies to retries too, and a disabled or deleted webhook gets nothing more. Another app's
receivers (the status page's webhook subscribers) go through here too: `receiver_of`.

What an attempt ends with is said twice. The error raised to the delivery loop (kept as the
message's `last_error`, and written on the incident's timeline when the delivery fails for
good) names no URL, no address and nothing the receiver said: "HTTP 410 Gone". The attempt's
row in the delivery log (DeliveryAttempt), which only the people who manage the webhook see,
has the URL with its credentials masked, the address, the status and the start of the answer.
"""

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus

import httpx
from django.apps import apps
from django.conf import settings
from django.utils import timezone

from tocsin.notify.channels import DeliveryError, NotYet, PermanentError, TransientError
from tocsin.validation import whole_number

from . import circuit, destinations, transport
from .masking import masked_url
from .models import PING, DeliveryAttempt, Webhook
from .signing import signature

logger = logging.getLogger("tocsin.webhooks")

USER_AGENT = "Tocsin-Webhooks"
# 408 and 425 say "try again" in so many words; 429 says "later".
RETRYABLE_4XX = {408, 425, 429}
# How much of an answer is read, and how much of it the delivery log keeps.
READ_BYTES = 4096
SNIPPET = 200

REFUSED = "refused: the URL leads to an internal address"
UNRESOLVED = "could not resolve the receiver's host name"
UNREACHABLE = "could not connect to the receiver"
BROKEN = "the connection to the receiver failed"


def timeout() -> float:
    value = getattr(settings, "WEBHOOK_TIMEOUT", 5)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"TOCSIN_WEBHOOK_TIMEOUT must be a number, not {value!r}") from None
    if not 0 < seconds <= 30:
        # A send must end well inside the delivery loop's 60-second lease.
        raise ValueError(f"TOCSIN_WEBHOOK_TIMEOUT must be between 0 and 30, not {value!r}")
    return seconds


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if (seconds := whole_number(value)) is not None:
        return float(seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def status_line(status: int) -> str:
    """ "HTTP 410 Gone", with the standard phrase: a receiver's own phrase is its words."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def headers(message, webhook: Webhook, *, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Tocsin-Event": message.data.get("type", ""),
        "X-Tocsin-Delivery": str(message.pk),
        "X-Tocsin-Timestamp": str(timestamp),
        "X-Tocsin-Signature": signature(webhook.secret, timestamp, message.body_text),
    }


def classify(status: int, response_headers: httpx.Headers):
    """None for a success, else the error to raise."""
    answered = status_line(status)
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        return PermanentError(
            f"{answered}: Tocsin does not follow redirects; put the final URL in the webhook"
        )
    if status in RETRYABLE_4XX or status >= 500:
        wait = retry_after(response_headers.get("Retry-After"))
        return TransientError(answered, retry_after=wait)
    return PermanentError(answered)


def _snippet(body: bytes, encoding: str | None) -> str:
    text = body.decode(encoding or "utf-8", errors="replace")
    return " ".join(text.split())[:SNIPPET]


def _read_start(response: httpx.Response) -> bytes:
    """The first READ_BYTES of the answer: a receiver cannot make the worker read gigabytes."""
    start = b""
    for chunk in response.iter_bytes():
        start += chunk
        if len(start) >= READ_BYTES:
            break
    return start[:READ_BYTES]


def _peer(response: httpx.Response) -> str:
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    return str(peer[0]) if peer else ""


def receiver_of(message):
    """Where a delivery goes, looked up as it is sent (a deleted receiver gets nothing more).

    Usually a Webhook (`data["webhook"]`). Another app that sends signed webhooks through this
    sender, as the status page does for its webhook subscribers, names its own row instead:
    `data["receiver"]` is the model's label ("app_label.Model"), `data["receiver_id"]` its
    primary key. Such a row has `url` and `secret`; it is sent to, signed and checked against
    internal addresses exactly like a Webhook, in the same webhooks lane, and this app never
    imports the other: the label is data, like a content type.
    """
    label = message.data.get("receiver")
    if not label:
        return Webhook.objects.filter(pk=message.data.get("webhook")).first()
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    return model.objects.filter(pk=message.data.get("receiver_id")).first()


class Sender:
    """HTTP clients for the batch (one direct, one per proxy), never following redirects."""

    def __init__(self):
        self.clients: dict[str | None, httpx.Client] = {}

    def _client(self, proxy: str | None) -> httpx.Client:
        if proxy not in self.clients:
            self.clients[proxy] = transport.client(proxy=proxy, timeout=timeout())
        return self.clients[proxy]

    def send(self, message) -> str:
        webhook = receiver_of(message)
        if webhook is None:
            raise PermanentError("webhook deleted")
        if not isinstance(webhook, Webhook):
            return self._send_to_receiver(message, webhook)
        ping = message.data.get("type") == PING
        if not webhook.enabled and not ping:
            raise PermanentError("webhook disabled")
        if circuit.is_open(webhook) and not ping:
            until = webhook.circuit_open_until
            raise NotYet(
                f"not sent: {webhook.failures_in_a_row} deliveries in a row failed; "
                f"the next try is at {until:%H:%M:%S} UTC",
                retry_after=max((until - timezone.now()).total_seconds(), 1.0),
            )
        attempt = DeliveryAttempt(
            message_id=message.pk, number=message.attempts, url=masked_url(webhook.url)
        )
        try:
            answered = self._post(message, webhook, attempt)
        except PermanentError:
            raise
        except TransientError:
            circuit.failed(webhook)
            raise
        except Exception as error:
            # A bug, not the receiver: its words could hold the URL, so they stay in the log.
            logger.exception("webhook delivery %s failed unexpectedly", message.pk)
            attempt.error = f"unexpected {type(error).__name__}: {error}"
            raise TransientError("unexpected error in Tocsin; see the delivery log") from None
        finally:
            attempt.error = attempt.error.replace(webhook.url, attempt.url)
            attempt.save()
        circuit.succeeded(webhook)
        return answered

    def _send_to_receiver(self, message, receiver) -> str:
        """A delivery to another app's receiver row: signed, checked and logged the same way,
        without a Webhook's switch and circuit (the row goes when its owner is done with it)."""
        attempt = DeliveryAttempt(
            message_id=message.pk, number=message.attempts, url=masked_url(receiver.url)
        )
        try:
            return self._post(message, receiver, attempt)
        except DeliveryError:
            raise
        except Exception as error:
            logger.exception("webhook delivery %s failed unexpectedly", message.pk)
            attempt.error = f"unexpected {type(error).__name__}: {error}"
            raise TransientError("unexpected error in Tocsin; see the delivery log") from None
        finally:
            attempt.error = attempt.error.replace(receiver.url, attempt.url)
            attempt.save()

    def _post(self, message, webhook: Webhook, attempt: DeliveryAttempt) -> str:
        try:
            url = httpx.URL(webhook.url)
            proxy = transport.proxy_for(url)
            if proxy is not None:
                # The proxy connects by itself; what Tocsin can do is check the name first.
                destinations.checked_addresses(url.raw_host.decode("ascii"), url.port or 0)
            timestamp = int(time.time())
            with self._client(proxy).stream(
                "POST",
                url,
                content=message.body_text.encode("utf-8"),
                headers=headers(message, webhook, timestamp=timestamp),
            ) as response:
                attempt.status = response.status_code
                attempt.address = "" if proxy else _peer(response)
                attempt.response = _snippet(_read_start(response), response.encoding)
        except destinations.Refused as refused:
            attempt.error = refused.reason
            raise PermanentError(REFUSED) from None
        except destinations.Unresolved as error:
            attempt.error = str(error)
            raise TransientError(UNRESOLVED) from None
        except httpx.TimeoutException:
            attempt.error = f"no answer within {timeout():g} s"
            raise TransientError(attempt.error) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
            attempt.error = f"the URL cannot be used: {error}"
            raise PermanentError("the webhook's URL cannot be used") from None
        except httpx.ConnectError as error:
            attempt.error = str(error) or type(error).__name__
            unresolved = isinstance(error.__cause__, transport.UnresolvedName)
            raise TransientError(UNRESOLVED if unresolved else UNREACHABLE) from None
        except httpx.TransportError as error:
            attempt.error = str(error) or type(error).__name__
            raise TransientError(BROKEN) from None
        error = classify(response.status_code, response.headers)
        if error is not None and 300 <= response.status_code < 400:
            location = response.headers.get("Location", "")
            attempt.error = f"a redirect to {masked_url(location)}" if location else "a redirect"
        if error is not None:
            raise error
        return f"HTTP {response.status_code}"

    def close(self) -> None:
        clients, self.clients = self.clients, {}
        for client in clients.values():
            client.close()
