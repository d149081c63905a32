"""The metrics page: filters, tables, server-side SVG charts, the definitions, the CSV; it is
complete without any script, and linked from the top bar for everyone who may see it."""

import csv
import io
import re

import pytest

from tests.postincident.metrics.conftest import RANGE
from tests.support.web import body, form_errors, page_text
from tocsin.incidents.models import Incident, Service

pytestmark = pytest.mark.django_db


def test_the_page_shows_medians_and_p90s_per_month_with_charts_drawn_on_the_server(
    fixture_incidents, signed_in, member
):
    response = signed_in(member).get("/metrics/", {"period": "month", **RANGE})
    assert response.status_code == 200
    text = page_text(response)
    # January: 5 incidents, 5 acknowledged, TTA 6 min / 16 min, 4 resolved, TTR 1 h 30 / 3 h 24.
    assert "Jan 2026 5 5 6 min 16 min 4 1 h 30 min 3 h 24 min" in text
    # February: 2 incidents, TTA 10 min / 11 min 36 s, TTR 30 min / 42 min.
    assert "Feb 2026 2 2 10 min 11 min 36 s 2 30 min 42 min" in text
    html = body(response)
    charts = re.findall(r"<svg\b[^>]*role=\"img\".*?</svg>", html, flags=re.S)
    assert len(charts) == 2  # time to acknowledge and time to resolve
    assert 'role="img"' in charts[0] and "<title id=" in charts[0]
    assert "Time to acknowledge, All incidents" in charts[0]
    assert "Jan 2026: median 6 min over 5 incidents" in charts[0]
    assert "Feb 2026: p90 42 min over 2 incidents" in charts[1]
    assert "<script" not in html.split("</head>", 1)[1]  # nothing in the page needs a script
    assert "Drills, shown apart" not in text


def test_the_page_writes_down_how_everything_is_counted(signed_in, member):
    text = page_text(signed_in(member).get("/metrics/"))
    assert "Acknowledged at − reported at, over the incidents that were acknowledged" in text
    assert "Resolved at − reported at, over the incidents that are resolved" in text
    assert "its reported-at time falls in, in UTC" in text
    assert "Cancelled incidents are never counted. Drills are left out" in text
    assert "An incident with two services counts in each service's row" in text
    assert "linear interpolation between closest ranks" in text


def test_grouped_by_service_each_service_has_its_rows_and_its_charts(
    fixture_incidents, signed_in, viewer
):
    response = signed_in(viewer).get("/metrics/", {"group": "service", **RANGE})
    text = page_text(response)
    assert "Jan 2026 Checkout 2 2 3 min 3 min 48 s 2 45 min 57 min" in text
    assert "Jan 2026 Ledger 2 2 7 min 9 min 24 s 2 1 h 15 min 1 h 51 min" in text
    assert "Jan 2026 No service 1 1 20 min 20 min 1 4 h 4 h" in text
    # Public API's incident is still open: no time to resolve, rather than zero.
    assert "Jan 2026 Public API 1 1 6 min 6 min 0 — —" in text
    assert (
        len(re.findall(r"<svg\b[^>]*role=\"img\"", body(response))) == 2 * 4
    )  # two a service, and no service


def test_drills_are_shown_apart_only_when_asked(fixture_incidents, signed_in, viewer):
    response = signed_in(viewer).get("/metrics/", {"drills": "apart", **RANGE})
    text = page_text(response)
    incidents, drills = text.split("Drills, shown apart", 1)
    assert "Jan 2026 5 5 6 min 16 min" in incidents
    assert "Jan 2026 1 1 1 min 1 min 1 5 min 5 min" in drills.split("How these are counted")[0]
    assert "Time to acknowledge, All incidents (drills)" in body(response)


def test_names_in_tables_and_charts_are_escaped(happened, signed_in, member, payments):
    from tests.postincident.metrics.conftest import Spec
    from tests.support.clock import utc

    Service.objects.create(name="<b>Ledger</b> & co", slug="evil", team=payments)
    happened(Spec("A", "P1", "payments", ("evil",), utc(2026, 1, 5, 10, 0), 2, 60))
    html = body(signed_in(member).get("/metrics/", {"group": "service", **RANGE}))
    assert "<b>Ledger</b>" not in html
    assert "&lt;b&gt;Ledger&lt;/b&gt; &amp; co" in html
    assert "Time to acknowledge, &lt;b&gt;Ledger&lt;/b&gt; &amp; co" in html


def test_the_csv_download_has_the_same_rows_in_seconds(fixture_incidents, signed_in, member):
    page = signed_in(member).get("/metrics/", {"group": "service", **RANGE})
    link = re.search(r'href="(/metrics/metrics\.csv\?[^"]+)"', body(page)).group(1)
    response = signed_in(member).get(link.replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="tocsin-metrics-month-service-2026-01-01-2026-02-28.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    ledger = next(r for r in rows if r["period"] == "2026-01" and r["group"] == "ledger")
    assert ledger == {
        "period": "2026-01",
        "period_start": "2026-01-01",
        "group": "ledger",
        "group_name": "Ledger",
        "drill": "no",
        "incidents": "2",
        "acknowledged": "2",
        "tta_median_seconds": "420",
        "tta_p90_seconds": "564",
        "resolved": "2",
        "ttr_median_seconds": "4500",
        "ttr_p90_seconds": "6660",
    }
    api_row = next(r for r in rows if r["group"] == "public-api" and r["period"] == "2026-01")
    assert (api_row["resolved"], api_row["ttr_median_seconds"]) == ("0", "")
    assert len(rows) == 4 + 2  # January: four groups; February: Checkout and Public API


def test_a_name_a_spreadsheet_would_run_is_written_as_text(happened, signed_in, member, payments):
    from tests.postincident.metrics.conftest import Spec
    from tests.support.clock import utc

    Service.objects.create(name="=HYPERLINK(1)", slug="formula", team=payments)
    happened(Spec("A", "P1", "payments", ("formula",), utc(2026, 1, 5, 10, 0), 2, 60))
    response = signed_in(member).get("/metrics/metrics.csv", {"group": "service", **RANGE})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["group_name"] == "'=HYPERLINK(1)"


@pytest.mark.parametrize(
    ("asked", "error"),
    [
        ({"period": "year"}, "Select a valid choice. year is not one of the available choices."),
        ({"start": "yesterday"}, "Enter a valid date."),
        ({"start": "2026-03-01", "end": "2026-02-01"}, "start (2026-03-01) is after end"),
    ],
)
def test_filters_that_make_no_sense_are_a_form_error_not_a_report(
    fixture_incidents, signed_in, member, asked, error
):
    response = signed_in(member).get("/metrics/", asked)
    assert response.status_code == 422
    assert any(error in message for message in form_errors(response))
    assert 'role="img"' not in body(response)
    assert "Download CSV" not in body(response)
    csv_response = signed_in(member).get("/metrics/metrics.csv", asked)
    assert csv_response.status_code == 422
    assert error.split(" ")[0] in csv_response.content.decode()
    assert Incident.objects.count() == len(fixture_incidents)


def test_the_top_bar_links_the_page_for_everyone_signed_in_viewers_included(signed_in, viewer):
    response = signed_in(viewer).get("/incidents/")
    assert '<a href="/metrics/">Metrics</a>' in body(response)
    current = body(signed_in(viewer).get("/metrics/"))
    assert '<a href="/metrics/" aria-current="page">Metrics</a>' in current


def test_signed_out_people_are_sent_to_sign_in_and_see_no_numbers(fixture_incidents, client):
    for address in ("/metrics/", "/metrics/metrics.csv"):
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")
