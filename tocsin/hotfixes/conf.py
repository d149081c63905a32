"""What hot fixes read from the settings, checked: TOCSIN_HOTFIX_REMIND_DAYS.

Read from Django's settings (`HOTFIX_REMIND_DAYS`) when set there, else from the environment
variable of the same name with the TOCSIN_ prefix.
"""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_REMIND_DAYS = 3


def remind_days() -> int:
    """Days after it was recorded that an unmerged hot fix starts reminding its owner (3)."""
    raw = getattr(settings, "HOTFIX_REMIND_DAYS", None)
    if raw is None:
        raw = os.environ.get("TOCSIN_HOTFIX_REMIND_DAYS", str(DEFAULT_REMIND_DAYS))
    raw = str(raw).strip()
    try:
        days = int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"TOCSIN_HOTFIX_REMIND_DAYS must be a whole number, not {raw!r}"
        ) from None
    if days < 1:
        raise ImproperlyConfigured(f"TOCSIN_HOTFIX_REMIND_DAYS must be at least 1, not {days}")
    return days


def check() -> None:
    """Read the setting once, so a wrong value stops Tocsin at start with a message naming it."""
    remind_days()
