"""What post-mortems read from the settings, checked: TOCSIN_POSTMORTEM_DIR,
TOCSIN_POSTMORTEM_APPROVALS and TOCSIN_POSTMORTEM_DUE_DAYS.

Each is read from Django's settings (`POSTMORTEM_DIR`, …) when set there, else from the
environment variable of the same name with the TOCSIN_ prefix.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _value(name: str, default: str) -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(f"TOCSIN_{name}", default)
    return str(value).strip()


def _count(name: str, default: int, *, lowest: int) -> int:
    raw = _value(name, str(default))
    try:
        number = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"TOCSIN_{name} must be a whole number, not {raw!r}") from None
    if number < lowest:
        raise ImproperlyConfigured(f"TOCSIN_{name} must be at least {lowest}, not {number}")
    return number


def folder() -> Path | None:
    """Where published post-mortems are written; None when TOCSIN_POSTMORTEM_DIR is not set."""
    raw = _value("POSTMORTEM_DIR", "")
    return Path(raw).expanduser() if raw else None


def default_approvals() -> int:
    """Approvals a post-mortem needs unless its severity says otherwise (2 unless set)."""
    return _count("POSTMORTEM_APPROVALS", 2, lowest=1)


def due_business_days() -> int:
    """Business days (Monday to Friday, UTC) from the draft to its due date (5 unless set)."""
    return _count("POSTMORTEM_DUE_DAYS", 5, lowest=1)


def check() -> None:
    """Read every setting once, so a wrong value stops Tocsin at start with a message naming
    it, not an incident's resolution later."""
    folder()
    default_approvals()
    due_business_days()
