"""REST: the metrics under /api/v1/metrics, as JSON rows or as the CSV of the page."""

from datetime import date
from typing import Literal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from tocsin.schemas import ERRORS, refuse_nul

from .export import csv_of, filename, seconds
from .percentiles import METHOD
from .periods import PeriodUnit
from .query import Drills, Grouping, MetricsQuery, metrics_query
from .report import Durations, Row
from .selectors import metrics_for

router = Router(tags=["metrics"])


class MetricsParameters(Schema):
    period: Literal[tuple(PeriodUnit.values)] = Field(
        PeriodUnit.MONTH.value, description='"month" or "week" (ISO weeks, Monday to Sunday).'
    )
    group: Literal[tuple(Grouping.values)] = Field(
        Grouping.NONE.value, description='"none", "severity", "team" or "service".'
    )
    start: date | None = Field(
        None, description="First day counted (UTC), e.g. 2026-01-01; default: twelve periods ago."
    )
    end: date | None = Field(None, description="Last day counted (UTC), included; default: today.")
    drills: Literal[tuple(Drills.values)] = Field(
        Drills.EXCLUDE.value, description='"exclude" (the default) or "apart" (rows of their own).'
    )

    no_nul_characters = field_validator("*", mode="before")(refuse_nul)


class MetricsGroupOut(Schema):
    key: str = Field(description="Severity key, team slug or service slug; empty for none.")
    name: str


class DurationsOut(Schema):
    count: int = Field(description="Incidents of the row that have this measure.")
    median_seconds: float | None
    p90_seconds: float | None


class RowOut(Schema):
    period: str = Field(description='"2026-01" for a month, "2026-W02" for a week.')
    period_start: date
    group: MetricsGroupOut
    drill: bool
    incidents: int = Field(description="Incidents reported in the period, cancelled ones left out.")
    time_to_acknowledge: DurationsOut
    time_to_resolve: DurationsOut


class MetricsOut(Schema):
    period: str
    group: str
    start: date
    end: date
    drills: str
    time_zone: str = Field(description="Periods and the range are read in this zone.")
    percentile_method: str
    rows: list[RowOut]


def _durations(durations: Durations) -> dict:
    return {
        "count": durations.count,
        "median_seconds": seconds(durations.median),
        "p90_seconds": seconds(durations.p90),
    }


def _row(row: Row) -> dict:
    return {
        "period": row.period.key,
        "period_start": row.period.start,
        "group": {"key": row.group.key, "name": row.group.name},
        "drill": row.drill,
        "incidents": row.incidents,
        "time_to_acknowledge": _durations(row.time_to_acknowledge),
        "time_to_resolve": _durations(row.time_to_resolve),
    }


def _query(parameters: MetricsParameters) -> MetricsQuery:
    return metrics_query(**parameters.dict())


@router.get("/metrics", response={200: MetricsOut, **ERRORS})
def get_metrics(request, parameters: Query[MetricsParameters]):
    """Time to acknowledge and time to resolve, median and p90, per period and group."""
    report = metrics_for(_query(parameters), viewer=request.user)
    query = report.query
    return {
        "period": query.period,
        "group": query.group,
        "start": query.start,
        "end": query.end,
        "drills": query.drills,
        "time_zone": "UTC",
        "percentile_method": METHOD,
        "rows": [_row(row) for row in report.rows],
    }


@router.get(
    "/metrics.csv",
    response={200: None, **ERRORS},
    openapi_extra={"responses": {200: {"description": "CSV", "content": {"text/csv": {}}}}},
)
def get_metrics_csv(request, parameters: Query[MetricsParameters]):
    """The same rows as CSV (the page's download), durations in seconds."""
    report = metrics_for(_query(parameters), viewer=request.user)
    response = HttpResponse(csv_of(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(report)}"'
    return response
