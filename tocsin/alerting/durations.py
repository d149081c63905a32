"""Durations as people type them ("90s", "5m", "1h30m", "2d"), for forms and the command line.

Plain Python, no Django: the command-line client imports it too.
"""

import re
from datetime import timedelta

from tocsin.validation import whole_number

_PART = re.compile(r"(\d+)\s*(d|h|m|s)", re.IGNORECASE | re.ASCII)
_UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}


def parse_duration(text: str, *, default_unit: str = "m") -> timedelta:
    """`"1h30m"` → 90 minutes; a bare number is in `default_unit`. ValueError if unreadable."""
    text = (text or "").strip().lower().replace(" ", "")
    if not text:
        raise ValueError("give a duration such as 30s, 5m, 1h or 1h30m")
    if (number := whole_number(text)) is not None:
        seconds = number * _UNITS[default_unit]
    else:
        parts = _PART.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise ValueError(f"{text!r} is not a duration such as 30s, 5m, 1h or 1h30m")
        seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    try:
        return timedelta(seconds=seconds)
    except OverflowError:  # past timedelta's 999,999,999 days
        raise ValueError(f"{text!r} is longer than any duration Tocsin can keep") from None


def format_duration(value: timedelta | None) -> str:
    """The shortest text that `parse_duration` reads back as `value`: "1h30m", "45s"."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "0s"
    text = ""
    for unit, size in _UNITS.items():
        count, seconds = divmod(seconds, size)
        if count:
            text += f"{count}{unit}"
    return text


def in_minutes(value: timedelta) -> str:
    """Whole minutes in words, for what Tocsin writes: "30 minutes"."""
    return f"{int(value.total_seconds() // 60)} minutes"
