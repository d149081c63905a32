"""Webhook: one outbox message POSTed, signed, to the webhook's URL with httpx.

The webhook is looked up when the message is sent, so a corrected URL or a rotated secret
applies to retries too, and a disabled or deleted webhook gets nothing more.
"""

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from django.conf import settings

from tocsin.notify.channels import PermanentError, TransientError

from .models import PING, Webhook
from .signing import signature

USER_AGENT = "Tocsin-Webhooks"
# 408 and 425 say "try again" in so many words; 429 says "later".
RETRYABLE_4XX = {408, 425, 429}


def timeout() -> float:
    value = getattr(settings, "WEBHOOK_TIMEOUT", 10)
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
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _snippet(response: httpx.Response) -> str:
    text = " ".join(response.text.split())[:200]
    return f": {text}" if text else ""


def headers(message, webhook: Webhook, *, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Tocsin-Event": message.data.get("type", ""),
        "X-Tocsin-Delivery": str(message.pk),
        "X-Tocsin-Timestamp": str(timestamp),
        "X-Tocsin-Signature": signature(webhook.secret, timestamp, message.body_text),
    }


def classify(response: httpx.Response, url: str):
    """None for a success, else the error to raise."""
    status = response.status_code
    answered = f"{url} answered {status} {response.reason_phrase}".rstrip()
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        where = f" to {location}" if location else ""
        return PermanentError(
            f"{answered}, a redirect{where}; Tocsin does not follow redirects: "
            f"change the webhook's url"
        )
    if status in RETRYABLE_4XX or status >= 500:
        return TransientError(
            f"{answered}{_snippet(response)}",
            retry_after=retry_after(response.headers.get("Retry-After")),
        )
    return PermanentError(f"{answered}{_snippet(response)}")


class Sender:
    """One HTTP client for the batch, never following redirects.

    The usual HTTPS_PROXY / NO_PROXY environment variables apply, as for any other client.
    """

    def __init__(self):
        self.client: httpx.Client | None = None

    def _client(self) -> httpx.Client:
        if self.client is None:
            self.client = httpx.Client(timeout=timeout(), follow_redirects=False)
        return self.client

    def send(self, message) -> str:
        webhook = Webhook.objects.filter(pk=message.data.get("webhook")).first()
        if webhook is None:
            raise PermanentError("webhook deleted")
        if not webhook.enabled and message.data.get("type") != PING:
            raise PermanentError("webhook disabled")
        timestamp = int(time.time())
        try:
            response = self._client().post(
                webhook.url,
                content=message.body_text.encode("utf-8"),
                headers=headers(message, webhook, timestamp=timestamp),
            )
        except httpx.TimeoutException:
            raise TransientError(f"{webhook.url} did not answer within {timeout():g} s") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
            raise PermanentError(f"{webhook.url} cannot be used: {error}") from None
        except httpx.TransportError as error:
            raise TransientError(
                f"could not reach {webhook.url}: {error or type(error).__name__}"
            ) from None
        error = classify(response, webhook.url)
        if error is not None:
            raise error
        return f"HTTP {response.status_code}"

    def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            client.close()
