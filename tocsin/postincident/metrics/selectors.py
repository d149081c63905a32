"""The one read the metrics make: the incidents reported in the range, cancelled ones left
out, in one query (and one more for their services when grouped by service)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from tocsin.accounts.permissions import ensure_may_see_metrics
from tocsin.incidents.models import Incident, Status

from .periods import Period, periods_between, start_of_day
from .query import Grouping, MetricsQuery
from .report import ALL, Group, IncidentTimes, Row, compute

NO_SERVICE = Group(order=(1,), key="", name="No service")

FIELDS = (
    "id",
    "reported_at",
    "acknowledged_at",
    "resolved_at",
    "drill",
    "severity__key",
    "severity__name",
    "severity__rank",
    "team__slug",
    "team__name",
)


@dataclass(frozen=True)
class Report:
    query: MetricsQuery
    periods: list[Period]
    groups: list[Group]  # every group that has a row, in order
    rows: list[Row]

    @property
    def incidents(self) -> list[Row]:
        return [row for row in self.rows if not row.drill]

    @property
    def drills(self) -> list[Row]:
        return [row for row in self.rows if row.drill]


def counted_incidents(query: MetricsQuery):
    """Incidents reported between the first day's midnight and the day after the last (UTC),
    cancelled ones left out, drills too unless they are shown apart."""
    incidents = Incident.objects.filter(
        reported_at__gte=start_of_day(query.start),
        reported_at__lt=start_of_day(query.end + timedelta(days=1)),
    ).exclude(status=Status.CANCELLED)
    if not query.drills_apart:
        incidents = incidents.filter(drill=False)
    return incidents


def _services_of(incidents) -> dict[int, list[Group]]:
    pairs = Incident.services.through.objects.filter(incident__in=incidents).values_list(
        "incident_id", "service__slug", "service__name"
    )
    groups = defaultdict(list)
    for incident_id, slug, name in pairs:
        groups[incident_id].append(Group(order=(0, name.casefold()), key=slug, name=name))
    return groups


def _groups(row: dict, grouping: str, services: dict[int, list[Group]]) -> tuple[Group, ...]:
    if grouping == Grouping.SEVERITY:
        return (
            Group(
                order=(row["severity__rank"],),
                key=row["severity__key"],
                name=f"{row['severity__key']} {row['severity__name']}",
            ),
        )
    if grouping == Grouping.TEAM:
        return (
            Group(
                order=(row["team__name"].casefold(),), key=row["team__slug"], name=row["team__name"]
            ),
        )
    if grouping == Grouping.SERVICE:
        return tuple(services.get(row["id"], ())) or (NO_SERVICE,)
    return (ALL,)


def incident_times(query: MetricsQuery) -> list[IncidentTimes]:
    incidents = counted_incidents(query)
    services = _services_of(incidents) if query.group == Grouping.SERVICE else {}
    return [
        IncidentTimes(
            reported_at=row["reported_at"],
            acknowledged_at=row["acknowledged_at"],
            resolved_at=row["resolved_at"],
            drill=row["drill"],
            groups=_groups(row, query.group, services),
        )
        for row in incidents.order_by().values(*FIELDS)
    ]


def metrics_for(query: MetricsQuery, *, viewer) -> Report:
    """The metrics `viewer` asked for; refused (PermissionDenied) to whoever may not see them."""
    ensure_may_see_metrics(viewer)
    rows = compute(incident_times(query), unit=query.period)
    return Report(
        query=query,
        periods=periods_between(query.start, query.end, query.period),
        groups=sorted({row.group for row in rows}),
        rows=rows,
    )
