"""From incident times to the rows of the metrics: period × group, with the count, and median
and p90 of time to acknowledge and time to resolve. Pure: no database, plain data in and out.

- time to acknowledge = acknowledged_at − reported_at, over the incidents acknowledged;
- time to resolve = resolved_at − reported_at, over the incidents resolved;
- an incident counts in the period its reported_at falls in (UTC);
- an incident in several groups (two services) counts in each group's row;
- drills are rows of their own (`drill=True`), never mixed with real incidents.
Cancelled incidents never reach this module (the selector leaves them out).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .percentiles import median, p90
from .periods import Period, period_of
from .wording import spoken


@dataclass(frozen=True, order=True)
class Group:
    """One row heading: a severity, team or service, or every incident (`ALL`)."""

    order: tuple  # how the groups sort: severities by rank, the rest by name
    key: str
    name: str


ALL = Group(order=(), key="", name="All incidents")


@dataclass(frozen=True)
class IncidentTimes:
    """What the metrics need of one incident."""

    reported_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    drill: bool = False
    groups: tuple[Group, ...] = (ALL,)


@dataclass(frozen=True)
class Durations:
    """One measure (time to acknowledge or to resolve) over the incidents that have it."""

    count: int
    median: timedelta | None
    p90: timedelta | None

    @property
    def median_spoken(self) -> str:
        return spoken(self.median)

    @property
    def p90_spoken(self) -> str:
        return spoken(self.p90)

    @classmethod
    def of(cls, values: list[timedelta]) -> "Durations":
        return cls(count=len(values), median=median(values), p90=p90(values))


@dataclass(frozen=True)
class Row:
    period: Period
    group: Group
    drill: bool
    incidents: int
    time_to_acknowledge: Durations
    time_to_resolve: Durations


@dataclass
class _Bucket:
    incidents: int = 0
    acknowledge: list[timedelta] = field(default_factory=list)
    resolve: list[timedelta] = field(default_factory=list)


def compute(incidents: Iterable[IncidentTimes], *, unit: str) -> list[Row]:
    """The rows, real incidents first and drills after, each by period then group; only the
    (period, group) pairs that have an incident."""
    buckets: dict[tuple[bool, Period, Group], _Bucket] = defaultdict(_Bucket)
    for incident in incidents:
        period = period_of(incident.reported_at, unit)
        for group in incident.groups:
            bucket = buckets[(incident.drill, period, group)]
            bucket.incidents += 1
            if incident.acknowledged_at is not None:
                bucket.acknowledge.append(incident.acknowledged_at - incident.reported_at)
            if incident.resolved_at is not None:
                bucket.resolve.append(incident.resolved_at - incident.reported_at)
    return [
        Row(
            period=period,
            group=group,
            drill=drill,
            incidents=bucket.incidents,
            time_to_acknowledge=Durations.of(bucket.acknowledge),
            time_to_resolve=Durations.of(bucket.resolve),
        )
        for (drill, period, group), bucket in sorted(buckets.items(), key=lambda item: item[0])
    ]
