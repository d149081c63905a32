"""The calendar of the metrics: months and ISO weeks (Monday to Sunday), in UTC."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import models

from tocsin.zones import UTC


class PeriodUnit(models.TextChoices):
    MONTH = "month", "Month"
    WEEK = "week", "Week"


@dataclass(frozen=True, order=True)
class Period:
    start: date  # first day, inclusive
    end: date  # the day after the last, exclusive
    key: str  # "2026-01" for a month, "2026-W02" for an ISO week

    @property
    def label(self) -> str:
        if self.key[4:6] == "-W":
            return f"{self.key} (from {self.start:%d %b})"
        return f"{self.start:%b %Y}"


def period_containing(day: date, unit: str) -> Period:
    if unit == PeriodUnit.MONTH:
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return Period(start, end, f"{start:%Y-%m}")
    start = day - timedelta(days=day.weekday())
    year, week, _ = start.isocalendar()
    return Period(start, start + timedelta(days=7), f"{year}-W{week:02d}")


def period_of(instant: datetime, unit: str) -> Period:
    """The period an instant falls in, by its UTC date."""
    return period_containing(instant.astimezone(UTC).date(), unit)


def periods_between(first: date, last: date, unit: str) -> list[Period]:
    """Every period that has a day between `first` and `last` (both included), in order."""
    periods = []
    period = period_containing(first, unit)
    while period.start <= last:
        periods.append(period)
        period = period_containing(period.end, unit)
    return periods


def start_of_day(day: date) -> datetime:
    """Midnight UTC at the start of `day`."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
