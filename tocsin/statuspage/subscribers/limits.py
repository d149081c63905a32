"""Rate limits of the public subscribe form, without a CAPTCHA: per e-mail address, per client.

Each accepted request is a row (SubscribeAttempt) in the database, so the count holds across
every web process; a request is refused when its address, or its client, already made the
limit's number within the window. The rows hold keyed hashes, never an address; IPv6 clients
are counted by their /64, which one household or server usually has whole. As the alert
intake counts its events, counting stops at the limit, so a flood costs no more to refuse.
"""

import hashlib
import hmac
import ipaddress
import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from tocsin.errors import DomainError

from ..models import Page, SubscribeAttempt


@dataclass(frozen=True)
class Limit:
    what: str
    requests: int
    window: timedelta


# A person asking again because the first e-mail is late fits under these; a script does not.
PER_ADDRESS = Limit("address", 3, timedelta(hours=1))
PER_CLIENT = Limit("client", 20, timedelta(hours=1))
LONGEST = max(PER_ADDRESS.window, PER_CLIENT.window)


class TooManyRequests(DomainError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _key(text: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


def address_key(page: Page, email: str) -> str:
    return _key(f"subscribe:address:{page.pk}:{email.lower()}")


def client_key(ip: str) -> str | None:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        else:
            address = ipaddress.ip_network(f"{address}/64", strict=False)
    client = str(address)
    return _key(f"subscribe:client:{client}")


def _retry_after(key: str, limit: Limit, now) -> int | None:
    """Seconds until `key` may ask again, or None while it is under `limit`."""
    recent = SubscribeAttempt.objects.filter(key=key, at__gt=now - limit.window)
    if recent[: limit.requests].count() < limit.requests:
        return None
    oldest = recent.order_by("at").values_list("at", flat=True).first() or now
    return max(1, math.ceil((oldest + limit.window - now).total_seconds()))


def check_and_count(*, page: Page, email: str, ip: str) -> None:
    """Count one request, or raise TooManyRequests (nothing counted) when over a limit.

    The refusal reads the same whichever limit was reached, and says nothing of whether the
    address is subscribed: only how long to wait.
    """
    now = timezone.now()
    keys = [(address_key(page, email), PER_ADDRESS)]
    if (client := client_key(ip)) is not None:
        keys.append((client, PER_CLIENT))
    waits = [wait for key, limit in keys if (wait := _retry_after(key, limit, now)) is not None]
    if waits:
        wait = max(waits)
        minutes = math.ceil(wait / 60)
        raise TooManyRequests(
            "too many subscription requests from your network or for this address; "
            f"try again in {minutes} minute{'s' if minutes != 1 else ''}",
            retry_after=wait,
        )
    SubscribeAttempt.objects.filter(at__lte=now - LONGEST).delete()
    SubscribeAttempt.objects.bulk_create([SubscribeAttempt(key=key, at=now) for key, _ in keys])
