"""Notification settings, checked: TOCSIN_ACK_LINK_TTL_HOURS and TOCSIN_SMTP_TIMEOUT."""

from datetime import timedelta

from django.conf import settings


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
