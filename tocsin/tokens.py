"""Secrets in URLs (integration keys, calendar feeds) and bearer tokens: only hashes are stored.

A URL token is derived from the instance secret and a per-object salt, so it can be shown
again to whoever may see it; rotating it means a new salt.
"""

import hashlib
import hmac
import secrets

from django.conf import settings


def new_salt() -> str:
    return secrets.token_hex(16)


def derive_token(purpose: str, salt: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{salt}".encode(), "sha256")
    return digest.hexdigest()[:32]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
