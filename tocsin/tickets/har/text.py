"""Secrets recognised by their form wherever they are: URLs with credentials or secret
parameters, `Bearer …` values and JWTs. Every pattern here is fixed; none comes from a user."""

import base64
import binascii
import json
import re
from collections.abc import Callable
from urllib.parse import quote, unquote_plus

from .names import parameter_category
from .report import Tally

REDACTED = "[redacted]"
# How a redacted value is written inside a URL or a form body, so it decodes to REDACTED.
ENCODED_REDACTED = quote(REDACTED)

_URL = re.compile(r"\b(?:https?|wss?|ftp)://[^\s\"'<>\\`{}|^]+", re.IGNORECASE)
_AUTHORITY = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/?#]*)")
_BEARER = re.compile(r"\b(bearer\s+)([A-Za-z0-9\-._~+/]{16,}=*)", re.IGNORECASE)
# Three base64url segments, the first long enough to hold {"alg":…}; the header is then decoded.
# A header that is a JSON object starts with "{", which base64url writes as "ew"…"ez": starting
# the pattern with that letter lets the search skip ahead (ten times faster on large bodies).
_JWT = re.compile(
    r"e(?<![A-Za-z0-9_-]e)[w-z][A-Za-z0-9_-]{13,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"
    r"(?![A-Za-z0-9_-])"
)


def redact_parameters(encoded: str, tally: Tally, categorise: Callable[[str], str | None]) -> str:
    """`a=1&token=x` -> `a=1&token=%5Bredacted%5D`; the other parameters stay byte for byte."""
    parts = encoded.split("&")
    for index, part in enumerate(parts):
        raw_name, equals, raw_value = part.partition("=")
        if not equals or not raw_value:
            continue
        category = categorise(unquote_plus(raw_name))
        value = unquote_plus(raw_value)
        if category is None or value == REDACTED:
            continue
        tally.found(category, value)
        parts[index] = f"{raw_name}={ENCODED_REDACTED}"
    return "&".join(parts)


def query_category(name: str) -> str | None:
    return "query string token" if parameter_category(name) else None


def _redact_userinfo(base: str, tally: Tally) -> str:
    match = _AUTHORITY.match(base)
    if not match or "@" not in match.group(2):
        return base
    userinfo, host = match.group(2).rsplit("@", 1)
    user, colon, password = userinfo.partition(":")
    if colon:
        if password in ("", REDACTED):
            return base
        tally.found("url credentials", userinfo)
        tally.remember(password)
        userinfo = f"{user}:{REDACTED}"
    else:
        # A user name alone in an HTTP URL is how tokens are passed (https://TOKEN@host).
        if user in ("", REDACTED):
            return base
        tally.found("url credentials", userinfo)
        userinfo = REDACTED
    return f"{match.group(1)}{userinfo}@{host}{base[match.end() :]}"


def redact_url(url: str, tally: Tally) -> str:
    """Credentials before the host, and the values of secret parameters in the query string and
    the fragment; everything else is kept as it was written."""
    if "?" not in url and "#" not in url and "@" not in url:
        return url
    head, hash_sign, fragment = url.partition("#")
    base, question_mark, query = head.partition("?")
    base = _redact_userinfo(base, tally)
    if question_mark:
        query = redact_parameters(query, tally, query_category)
    if hash_sign and "=" in fragment:
        fragment = redact_parameters(fragment, tally, query_category)
    return f"{base}{question_mark}{query}{hash_sign}{fragment}"


def is_jwt(candidate: str) -> bool:
    header = candidate.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
        parsed = json.loads(decoded)
    except (binascii.Error, ValueError, RecursionError):
        return False
    return isinstance(parsed, dict) and "alg" in parsed


def redact_text(text: str, tally: Tally) -> str:
    """URLs, then `Bearer …` values, then JWTs, anywhere in the text."""
    if "://" in text:
        text = _URL.sub(lambda match: redact_url(match.group(0), tally), text)

    def bearer(match: re.Match) -> str:
        tally.found("bearer token", match.group(2))
        return match.group(1) + REDACTED

    def jwt(match: re.Match) -> str:
        if not is_jwt(match.group(0)):
            return match.group(0)
        tally.found("jwt", match.group(0))
        return REDACTED

    if "bearer" in text.lower():
        text = _BEARER.sub(bearer, text)
    if "." in text:
        text = _JWT.sub(jwt, text)
    return text
