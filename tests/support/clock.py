"""Instants in the tests: UTC, wall-clock times in a zone, and the escalation tests' Monday."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday morning in Berlin (the `clock` fixture)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def local(zone: ZoneInfo, *parts) -> datetime:
    """A wall-clock time as an instant (fold=0, like the schedules themselves)."""
    return datetime(*parts, tzinfo=zone).astimezone(UTC)


def later(minutes: float = 30) -> datetime:
    return timezone.now() + timedelta(minutes=minutes)
