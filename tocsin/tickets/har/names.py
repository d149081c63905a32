"""Which names hold a secret: of headers, of query string and form parameters, of JSON keys.

A name is cut into lower-case words ("X-Api-Key" -> x, api, key; "accessToken" -> access,
token). Strong parts are looked for anywhere in the joined words ("csrfmiddlewaretoken" holds
"token"); short, ambiguous words ("key", "code", "auth") only count as whole words, and some
only where they usually hold a secret (a bare `key` in a query string is an API key; in a JSON
body it is usually an identifier).
"""

import re
from functools import lru_cache

PASSWORD = "password field"
PAYMENT_CARD = "payment card field"
SECRET = "secret field"

_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_SEPARATORS = re.compile(r"[^a-z0-9]+")

_PASSWORD_PARTS = ("password", "passwd", "passphrase", "passcode")
_PASSWORD_WORDS = {"pass", "pwd", "pin"}
_CARD_PARTS = ("cardnumber", "cardnum", "cardno", "creditcard", "ccnumber", "ccnum", "cvv", "cvc")
_CARD_WORDS = {"csc"}
_SECRET_PARTS = (
    "token",
    "secret",
    "csrf",
    "xsrf",
    "apikey",
    "jwt",
    "bearer",
    "authorization",
    "credential",
    "signature",
    "privatekey",
    "accesskey",
    "sessionid",
    "verifier",
)
_SECRET_WORDS = {"auth", "sid", "sig", "otp", "session", "saml", "samlresponse"}
# "api key", "access key", "subscription key"...: a key that is a credential, not an identifier.
_KEY_QUALIFIERS = {
    "api",
    "access",
    "secret",
    "private",
    "signing",
    "client",
    "license",
    "encryption",
    "session",
    "auth",
    "app",
    "master",
    "subscription",
}
_CODE_QUALIFIERS = {
    "auth",
    "verification",
    "confirmation",
    "activation",
    "reset",
    "login",
    "otp",
    "mfa",
    "device",
    "access",
    "security",
    "recovery",
    "backup",
}
# A name ending in one of these describes a secret rather than holding one: token_type,
# token_endpoint, password_changed_at, expires_in...
_DESCRIBING = {
    "type",
    "hint",
    "endpoint",
    "url",
    "uri",
    "expires",
    "expiry",
    "expiration",
    "ttl",
    "length",
    "count",
    "format",
    "at",
    "in",
    "method",
    "mode",
    "provider",
    "scheme",
    "policy",
    "required",
    "enabled",
    "name",
    "set",
    "changed",
    "strength",
    "algorithm",
    "alg",
    "kind",
}

_SPECIAL_HEADERS = {
    "cookie": "cookie header",
    "set-cookie": "set-cookie header",
    "authorization": "authorization header",
    "proxy-authorization": "proxy-authorization header",
}


def words(name: str) -> list[str]:
    return [word for word in _SEPARATORS.split(_CAMEL.sub(r"\1 \2", name).lower()) if word]


def _category(name: str, *, bare_key: bool, any_key: bool, code: bool) -> str | None:
    parts = words(name)
    if not parts or (len(parts) > 1 and parts[-1] in _DESCRIBING):
        return None
    joined = "".join(parts)
    if any(part in joined for part in _PASSWORD_PARTS) or _PASSWORD_WORDS & set(parts):
        return PASSWORD
    if any(part in joined for part in _CARD_PARTS) or _CARD_WORDS & set(parts):
        return PAYMENT_CARD
    if any(part in joined for part in _SECRET_PARTS) or _SECRET_WORDS & set(parts):
        return SECRET
    credential_key = any_key or (bare_key and parts == ["key"]) or _KEY_QUALIFIERS & set(parts)
    if "key" in parts and credential_key:
        return SECRET
    if code and "code" in parts and (parts == ["code"] or _CODE_QUALIFIERS & set(parts)):
        return SECRET
    return None


@lru_cache(maxsize=4096)
def parameter_category(name: str) -> str | None:
    """A query string or form parameter: password, payment card or secret field, or None."""
    return _category(name, bare_key=True, any_key=False, code=True)


@lru_cache(maxsize=4096)
def json_key_category(name: str) -> str | None:
    """A key of a JSON body: password, payment card or secret field, or None."""
    return _category(name, bare_key=False, any_key=False, code=False)


@lru_cache(maxsize=4096)
def header_category(name: str) -> str | None:
    """Cookie, Set-Cookie, Authorization, Proxy-Authorization, another secret header, or None."""
    lower = name.strip().lower()
    if lower in _SPECIAL_HEADERS:
        return _SPECIAL_HEADERS[lower]
    # CORS headers name other headers and say whether credentials are allowed: no secret.
    if lower.startswith("access-control-"):
        return None
    if _category(name, bare_key=True, any_key=True, code=False):
        return "secret header"
    return None
