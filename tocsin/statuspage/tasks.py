"""The status page's background work, run by every worker: maintenance follows the clock, and
each finished day's uptime is rolled up, and addresses never confirmed are forgotten."""

from datetime import timedelta

from django.utils import timezone

from tocsin.periodic import PeriodicJob

from .services import advance
from .subscribers.services import forget_unconfirmed
from .uptime import roll_up


def advance_maintenance() -> int:
    """Reminders, starts and ends of scheduled maintenance that are due."""
    return advance(timezone.now())


def roll_up_yesterday() -> None:
    """Yesterday's uptime per component (UTC days), from its status history."""
    roll_up(timezone.now().date() - timedelta(days=1))


PERIODIC = [
    PeriodicJob("status page: maintenance", advance_maintenance, every=15),
    PeriodicJob("status page: uptime of yesterday", roll_up_yesterday, every=3600),
    PeriodicJob("status page: unconfirmed subscribers", forget_unconfirmed, every=3600),
]
