"""GET /api/v1/metrics and /api/v1/metrics.csv: the rows of the page as JSON or CSV, with
their parameters checked (a bad one is a 422 naming it) and a token or a session required."""

import csv
import io

import pytest

from tests.postincident.metrics.conftest import RANGE
from tests.support.api import ApiClient, assert_error, nothing_changes

pytestmark = pytest.mark.django_db


def test_the_rows_say_count_median_and_p90_in_seconds(fixture_incidents, api_as, viewer):
    response = api_as(viewer).get("/metrics", period="month", **RANGE)
    assert response.status_code == 200
    body = response.json()
    assert {k: v for k, v in body.items() if k != "rows"} == {
        "period": "month",
        "group": "none",
        "start": "2026-01-01",
        "end": "2026-02-28",
        "drills": "exclude",
        "time_zone": "UTC",
        "percentile_method": (
            "linear interpolation between closest ranks "
            "(as statistics.quantiles, method='inclusive')"
        ),
    }
    assert body["rows"] == [
        {
            "period": "2026-01",
            "period_start": "2026-01-01",
            "group": {"key": "", "name": "All incidents"},
            "drill": False,
            "incidents": 5,
            "time_to_acknowledge": {"count": 5, "median_seconds": 360.0, "p90_seconds": 960.0},
            "time_to_resolve": {"count": 4, "median_seconds": 5400.0, "p90_seconds": 12240.0},
        },
        {
            "period": "2026-02",
            "period_start": "2026-02-01",
            "group": {"key": "", "name": "All incidents"},
            "drill": False,
            "incidents": 2,
            "time_to_acknowledge": {"count": 2, "median_seconds": 600.0, "p90_seconds": 696.0},
            "time_to_resolve": {"count": 2, "median_seconds": 1800.0, "p90_seconds": 2520.0},
        },
    ]


def test_drills_apart_per_week_and_grouped(fixture_incidents, api_as, member):
    body = api_as(member).get("/metrics", period="week", group="team", drills="apart", **RANGE)
    rows = body.json()["rows"]
    drills = [row for row in rows if row["drill"]]
    assert drills == [
        {
            "period": "2026-W03",
            "period_start": "2026-01-12",
            "group": {"key": "payments", "name": "Payments"},
            "drill": True,
            "incidents": 1,
            "time_to_acknowledge": {"count": 1, "median_seconds": 60.0, "p90_seconds": 60.0},
            "time_to_resolve": {"count": 1, "median_seconds": 300.0, "p90_seconds": 300.0},
        }
    ]
    # Real incidents come first; a group without a resolved incident has no time to resolve.
    assert rows.index(drills[0]) == len(rows) - 1
    platform_w04 = next(
        r for r in rows if r["period"] == "2026-W04" and r["group"]["key"] == "platform"
    )
    assert platform_w04["time_to_resolve"] == {
        "count": 0,
        "median_seconds": None,
        "p90_seconds": None,
    }


def test_the_csv_is_the_pages_csv(fixture_incidents, api_as, signed_in, member):
    response = api_as(member).get("/metrics.csv", group="severity", **RANGE)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    page_csv = signed_in(member).get("/metrics/metrics.csv", {"group": "severity", **RANGE})
    assert response.content == page_csv.content
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["period"], r["group"], r["incidents"]) for r in rows] == [
        ("2026-01", "P1", "3"),
        ("2026-01", "P3", "2"),
        ("2026-02", "P3", "2"),
    ]
    assert rows[0]["tta_p90_seconds"] == "1008"  # 16.8 min


@pytest.mark.parametrize("path", ["/metrics", "/metrics.csv"])
@pytest.mark.parametrize(
    ("asked", "field", "message"),
    [
        ({"period": "year"}, "period", "period: Input should be 'month' or 'week'"),
        ({"group": "colour"}, "group", "group: Input should be"),
        ({"drills": "yes"}, "drills", "drills: Input should be 'exclude' or 'apart'"),
        ({"start": "last tuesday"}, "start", "start: Input should be a valid date"),
        ({"end": "2026-02-30"}, "end", "end: Input should be a valid date"),
        ({"start": "2026-03-01", "end": "2026-02-01"}, "start", "is after end"),
        ({"start": "1990-01-01", "end": "2026-02-01"}, "end", "at most 3661 days"),
        (
            {"start": "9999-12-31", "end": "9999-12-31"},
            "start",
            "between 1970-01-01 and 2999-12-31",
        ),
        ({"end": "0001-01-01"}, "end", "end must be between 1970-01-01 and 2999-12-31"),
    ],
)
def test_a_bad_parameter_is_a_422_naming_it(
    fixture_incidents, api_as, member, path, asked, field, message
):
    client = api_as(member)
    with nothing_changes():
        response = client.get(path, **asked)
    assert_error(response, 422, "validation_failed", field=field, message_contains=message)


@pytest.mark.parametrize("path", ["/metrics", "/metrics.csv"])
def test_nobody_without_a_token_or_session_gets_numbers(fixture_incidents, path):
    response = ApiClient().get(path)
    assert_error(response, 401, "unauthenticated", message_contains="authentication required")
    response = ApiClient("tocsin_not-a-token").get(path)
    assert_error(response, 401, "unauthenticated", message_contains="unknown, revoked or expired")


def test_the_openapi_document_describes_the_parameters(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/metrics"]["get"]
    assert operation["operationId"] == "tocsin_postincident_metrics_api_get_metrics"
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert names == {"period", "group", "start", "end", "drills"}
    assert "/api/v1/metrics.csv" in schema["paths"]


def test_the_openapi_document_says_the_csv_is_csv(client):
    schema = client.get("/api/v1/openapi.json").json()
    answer = schema["paths"]["/api/v1/metrics.csv"]["get"]["responses"]["200"]
    assert set(answer["content"]) == {"text/csv"}
