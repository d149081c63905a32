"""The webhook signature: `v1=` + hex HMAC-SHA256 of "<timestamp>.<body>" with the secret."""

import hashlib
import hmac

VERSION = "v1"


def signature(secret: str, timestamp: int | str, body: bytes | str) -> str:
    if isinstance(body, str):
        body = body.encode("utf-8")
    signed = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"{VERSION}={digest}"
