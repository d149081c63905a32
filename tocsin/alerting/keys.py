"""The integration keys the intake endpoints answer to, kept in each web process.

An intake request names its integration by the secret token in its URL (or PagerDuty's
`routing_key`). Finding it is a database query; here it is a dictionary look-up after the first
request. Nothing has to tell a web process that a key was rotated, an integration disabled or
its signing secret changed: the one statement that accepts an event (intake_queue.accept)
inserts it only if the integration still has exactly the key, kind, secret and signature
header this cache holds. When it does not, the event is not stored, the entry is forgotten and
the request is checked again against the database. A stale entry can therefore never accept a
request, in any process, from the moment the change is committed.
"""

import threading
from dataclasses import dataclass

from .models import Integration, Kind

# Far more integrations than any instance has; past it the oldest entries go.
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class IntegrationKey:
    """What the intake endpoints need of an integration before its event is stored."""

    id: int
    kind: str
    name: str
    token_hash: str
    signing_secret: str
    signature_header: str
    rate_limit_per_minute: int
    fresh: bool = False  # read from the database for this request, not from the cache

    def get_kind_display(self) -> str:
        return Kind(self.kind).label


_entries: dict[str, IntegrationKey] = {}
_lock = threading.Lock()


def lookup(token: str) -> IntegrationKey | None:
    """The enabled integration whose token this is: from the cache, or else the database."""
    token_hash = Integration.hash_token(token or "")
    cached = _entries.get(token_hash)
    if cached is not None:
        return cached
    return reload(token_hash)


def reload(token_hash: str) -> IntegrationKey | None:
    """Read the integration with this token hash again, and cache what was found."""
    found = (
        Integration.objects.filter(token_hash=token_hash, enabled=True)
        .order_by()
        .values_list(
            "id", "kind", "name", "signing_secret", "signature_header", "rate_limit_per_minute"
        )[:1]
    )
    row = next(iter(found), None)
    with _lock:
        if row is None:
            _entries.pop(token_hash, None)
            return None
        pk, kind, name, secret, header, limit = row
        key = IntegrationKey(pk, kind, name, token_hash, secret, header, limit)
        if len(_entries) >= MAX_ENTRIES:
            _entries.pop(next(iter(_entries)))
        _entries[token_hash] = key
    return IntegrationKey(pk, kind, name, token_hash, secret, header, limit, fresh=True)


def forget(token_hash: str) -> None:
    with _lock:
        _entries.pop(token_hash, None)


def clear() -> None:
    """Forget every key (the tests' databases come and go under one process)."""
    with _lock:
        _entries.clear()
