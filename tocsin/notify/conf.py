"""What notify reads from the settings, checked: TOCSIN_ACK_LINK_TTL_HOURS, TOCSIN_SMTP_TIMEOUT,
and TOCSIN_BASE_URL for the links in what it sends.

App-level because several sub-packages read it (acknowledge links, the e-mail channel, e-mails,
chat cards, inbound chat replies) and none of them owns the settings.
"""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from tocsin.incidents.models import Incident


def _number(name: str, default: float) -> float:
    value = getattr(settings, name, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, not {value!r}") from None
    if number <= 0:
        raise ValueError(f"{name} must be greater than zero, not {value!r}")
    return number


def ack_link_ttl() -> timedelta:
    """How long an acknowledge link in a page e-mail stays valid (24 hours unless set)."""
    return timedelta(hours=_number("ACK_LINK_TTL_HOURS", 24))


def smtp_timeout() -> float:
    """Seconds one SMTP operation may take before the attempt counts as failed."""
    return _number("EMAIL_TIMEOUT", 10)


def public_url(view: str, *args) -> str:
    """The page's address as people outside reach it (e-mails, chats): TOCSIN_BASE_URL + path."""
    return settings.BASE_URL + reverse(view, args=args)


def incident_url(incident: Incident) -> str:
    return public_url("incident-detail", incident.pk)
