"""The question every caller asks (page, CSV, API): which periods, grouped how, over which
days, drills left out or shown apart; checked once here, whatever asked it."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.utils import timezone

from tocsin.errors import ValidationFailed
from tocsin.zones import UTC

from .periods import PeriodUnit, period_containing

# Enough for ten years of weeks on one page; a longer range is a mistake, not a report.
MAX_DAYS = 3661
# The days a range may name: incidents are never older, and date arithmetic stays in bounds.
EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)
# What the page shows when no range is asked for: this period and the eleven before it.
DEFAULT_PERIODS = 12


class Grouping(models.TextChoices):
    NONE = "none", "None"
    SEVERITY = "severity", "Severity"
    TEAM = "team", "Team"
    SERVICE = "service", "Service"


class Drills(models.TextChoices):
    EXCLUDE = "exclude", "Left out"
    APART = "apart", "Shown apart"


@dataclass(frozen=True)
class MetricsQuery:
    period: str
    group: str
    start: date  # first day, included
    end: date  # last day, included
    drills: str

    @property
    def drills_apart(self) -> bool:
        return self.drills == Drills.APART

    def as_params(self) -> dict[str, str]:
        """The query string that asks the same question (for the CSV link)."""
        return {
            "period": self.period,
            "group": self.group,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "drills": self.drills,
        }


def _choice(value: str | None, choices: type[models.TextChoices], *, field: str, default: str):
    if value in (None, ""):
        return default
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise ValidationFailed(f"{field} must be one of {allowed}, not {value!r}", field=field)
    return value


def _default_start(today: date, unit: str) -> date:
    period = period_containing(today, unit)
    for _ in range(DEFAULT_PERIODS - 1):
        period = period_containing(period.start - timedelta(days=1), unit)
    return period.start


def metrics_query(
    *,
    period: str | None = None,
    group: str | None = None,
    start: date | None = None,
    end: date | None = None,
    drills: str | None = None,
) -> MetricsQuery:
    """The question, with defaults filled in (monthly, not grouped, the last twelve periods up
    to today in UTC, drills left out); a bad value raises ValidationFailed naming its field."""
    unit = _choice(period, PeriodUnit, field="period", default=PeriodUnit.MONTH)
    grouping = _choice(group, Grouping, field="group", default=Grouping.NONE)
    drill_rule = _choice(drills, Drills, field="drills", default=Drills.EXCLUDE)
    for name, day in (("start", start), ("end", end)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ValidationFailed(
                f"{name} must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}, "
                f"not {day.isoformat()}",
                field=name,
            )
    end = end or timezone.now().astimezone(UTC).date()
    start = start or _default_start(end, unit)
    if start > end:
        raise ValidationFailed(
            f"start ({start.isoformat()}) is after end ({end.isoformat()})", field="start"
        )
    if (end - start).days >= MAX_DAYS:
        raise ValidationFailed(
            f"the range from start to end is at most {MAX_DAYS} days (about ten years)",
            field="end",
        )
    return MetricsQuery(period=unit, group=grouping, start=start, end=end, drills=drill_rule)
