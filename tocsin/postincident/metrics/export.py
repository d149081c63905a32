"""The metrics table as CSV: one line per row of the page, durations in seconds."""

import csv
import io
from datetime import timedelta

from .selectors import Report

HEADER = [
    "period",
    "period_start",
    "group",
    "group_name",
    "drill",
    "incidents",
    "acknowledged",
    "tta_median_seconds",
    "tta_p90_seconds",
    "resolved",
    "ttr_median_seconds",
    "ttr_p90_seconds",
]


def seconds(value: timedelta | None) -> float | None:
    """Seconds, to the microsecond; None for no value."""
    return None if value is None else value / timedelta(seconds=1)


def _cell(value: timedelta | None) -> str:
    if value is None:
        return ""
    return f"{seconds(value):.6f}".rstrip("0").rstrip(".")


def _safe(text: str) -> str:
    """A name that a spreadsheet would run as a formula is quoted as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_of(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in report.rows:
        tta, ttr = row.time_to_acknowledge, row.time_to_resolve
        writer.writerow(
            [
                row.period.key,
                row.period.start.isoformat(),
                _safe(row.group.key),
                _safe(row.group.name),
                "yes" if row.drill else "no",
                row.incidents,
                tta.count,
                _cell(tta.median),
                _cell(tta.p90),
                ttr.count,
                _cell(ttr.median),
                _cell(ttr.p90),
            ]
        )
    return out.getvalue()


def filename(report: Report) -> str:
    query = report.query
    return f"tocsin-metrics-{query.period}-{query.group}-{query.start}-{query.end}.csv"
