"""Webhook signature checks: HMAC-SHA256 over the raw request body, compared in constant time.

Always pass the body exactly as received (bytes), never re-serialised JSON: one space or one
reordered key and the signature no longer matches.
"""

import hashlib
import hmac
import time

CHECKLY_HEADER = "x-checkly-signature"
GRAFANA_HEADER = "X-Grafana-Alerting-Signature"


def sign_hmac_sha256(body: bytes, secret: str, *, timestamp: str | None = None) -> str:
    """Lowercase hex HMAC-SHA256 of `body`, or of `timestamp + ":" + body` when given."""
    message = (
        body if timestamp is None else timestamp.encode("utf-8", "surrogatepass") + b":" + body
    )
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_hmac_sha256(
    body: bytes,
    secret: str,
    header_value: str | None,
    *,
    timestamp: str | None = None,
    max_age_seconds: float | None = None,
    now: float | None = None,
) -> bool:
    """Whether `header_value` is the hex HMAC-SHA256 of the body under `secret`.

    Grafana's webhook contact point ("HMAC signature" option) signs the body alone, or
    `timestamp:body` when a timestamp header is configured, putting the Unix timestamp in that
    header and the hex digest in `X-Grafana-Alerting-Signature` (the header name is
    configurable). Pass that timestamp as `timestamp`; with `max_age_seconds`, a timestamp
    further than that from `now` (default: the current time) fails, which stops replays.
    A missing or empty secret, header or timestamp never verifies.
    """
    if not secret or not header_value:
        return False
    if timestamp is not None and not _is_fresh(timestamp, max_age_seconds, now):
        return False
    expected = sign_hmac_sha256(body, secret, timestamp=timestamp)
    return _same_digest(expected, header_value)


def verify_checkly(body: bytes, secret: str, header_value: str | None) -> bool:
    """Whether `x-checkly-signature` is the hex HMAC-SHA256 of the raw body under the secret."""
    return verify_hmac_sha256(body, secret, header_value)


def _is_fresh(timestamp: str, max_age_seconds: float | None, now: float | None) -> bool:
    timestamp = timestamp.strip()
    if not timestamp:
        return False
    if max_age_seconds is None:
        return True
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    return abs(current - sent) <= max_age_seconds


def _same_digest(expected: str, header_value: str) -> bool:
    # Bytes, not str: compare_digest raises TypeError on non-ASCII text from a forged header.
    received = header_value.strip().lower().encode("utf-8", "surrogatepass")
    return hmac.compare_digest(expected.encode(), received)
