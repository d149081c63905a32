"""The metrics of the hand-computed fixture (conftest.py): per month and week, per severity,
team and service, drills left out or shown apart, cancelled incidents never counted."""

from datetime import date, timedelta

import pytest
import time_machine

from tests.postincident.metrics.conftest import Spec
from tests.support.clock import utc
from tests.support.people import person
from tocsin.accounts.models import InstanceRole
from tocsin.errors import PermissionDenied, ValidationFailed
from tocsin.incidents.models import Channel
from tocsin.incidents.services import acknowledge, reopen, resolve
from tocsin.postincident.metrics.query import metrics_query
from tocsin.postincident.metrics.selectors import metrics_for

pytestmark = pytest.mark.django_db

JANUARY, FEBRUARY = "2026-01", "2026-02"
START, END = date(2026, 1, 1), date(2026, 2, 28)


def m(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


def table(report) -> dict:
    """{(period, group key, drill): (incidents, TTA count, median, p90, TTR count, median, p90)}"""
    return {
        (row.period.key, row.group.key, row.drill): (
            row.incidents,
            row.time_to_acknowledge.count,
            row.time_to_acknowledge.median,
            row.time_to_acknowledge.p90,
            row.time_to_resolve.count,
            row.time_to_resolve.median,
            row.time_to_resolve.p90,
        )
        for row in report.rows
    }


def report_of(viewer, **asked):
    return metrics_for(metrics_query(start=START, end=END, **asked), viewer=viewer)


def test_per_month_an_odd_and_an_even_count_give_the_medians_and_p90s_computed_by_hand(
    fixture_incidents, viewer
):
    rows = table(report_of(viewer, period="month"))
    assert rows == {
        # January: TTA 2 4 6 10 20 (five acknowledged); TTR 30 60 120 240 (D is still open).
        (JANUARY, "", False): (5, 5, m(6), m(16), 4, m(90), m(204)),
        # February: TTA 8 12; TTR 15 45.
        (FEBRUARY, "", False): (2, 2, m(10), m(11.6), 2, m(30), m(42)),
    }


def test_drills_and_cancelled_incidents_are_left_out(fixture_incidents, viewer):
    rows = table(report_of(viewer))
    assert not any(drill for (_, _, drill) in rows)
    # Had X (TTA 1 min) or Y (3 min) been counted, January would have seven incidents.
    assert rows[(JANUARY, "", False)][0] == 5


def test_drills_shown_apart_are_rows_of_their_own_and_change_nothing_else(
    fixture_incidents, viewer
):
    apart = table(report_of(viewer, drills="apart"))
    assert apart[(JANUARY, "", True)] == (1, 1, m(1), m(1), 1, m(5), m(5))
    left_out = table(report_of(viewer))
    assert {key: value for key, value in apart.items() if not key[2]} == left_out
    # The cancelled incident is not a drill: it is nowhere.
    assert sum(value[0] for value in apart.values()) == 5 + 2 + 1


def test_an_incident_with_two_services_counts_in_each_services_row(fixture_incidents, viewer):
    rows = table(report_of(viewer, group="service"))
    january = {key[1]: value for key, value in rows.items() if key[0] == JANUARY}
    assert january == {
        "checkout": (2, 2, m(3), m(3.8), 2, m(45), m(57)),  # A and B
        "ledger": (2, 2, m(7), m(9.4), 2, m(75), m(111)),  # B and C
        "public-api": (1, 1, m(6), m(6), 0, None, None),  # D, still open
        "": (1, 1, m(20), m(20), 1, m(240), m(240)),  # E has no service
    }


def test_incidents_without_a_service_are_grouped_under_no_service(fixture_incidents, viewer):
    report = report_of(viewer, group="service")
    names = [group.name for group in report.groups]
    assert names == ["Checkout", "Ledger", "Public API", "No service"]


def test_per_severity_the_ladder_orders_the_rows(fixture_incidents, viewer):
    report = report_of(viewer, group="severity")
    rows = table(report)
    assert rows[(JANUARY, "P1", False)] == (3, 3, m(4), m(16.8), 3, m(60), m(204))
    assert rows[(JANUARY, "P3", False)] == (2, 2, m(8), m(9.6), 1, m(120), m(120))
    assert rows[(FEBRUARY, "P3", False)] == (2, 2, m(10), m(11.6), 2, m(30), m(42))
    assert (FEBRUARY, "P1", False) not in rows
    assert [group.key for group in report.groups] == ["P1", "P3"]


def test_per_team(fixture_incidents, viewer):
    rows = table(report_of(viewer, group="team"))
    assert rows[(JANUARY, "payments", False)] == (3, 3, m(4), m(8.8), 3, m(60), m(108))
    assert rows[(JANUARY, "platform", False)] == (2, 2, m(13), m(18.6), 1, m(240), m(240))
    assert rows[(FEBRUARY, "payments", False)] == (1, 1, m(8), m(8), 1, m(45), m(45))
    assert rows[(FEBRUARY, "platform", False)] == (1, 1, m(12), m(12), 1, m(15), m(15))


def test_an_incident_counts_in_the_month_it_was_reported_in_utc_not_the_one_it_was_resolved_in(
    fixture_incidents, viewer
):
    # E: reported 31 Jan 23:30 UTC, resolved 1 Feb 03:30; F: reported 1 Feb 00:00 UTC.
    viewer.time_zone = "Europe/Berlin"  # where 31 Jan 23:30 UTC is already February
    viewer.save()
    rows = table(report_of(viewer, group="team"))
    assert rows[(JANUARY, "platform", False)][0] == 2  # D and E
    assert rows[(FEBRUARY, "payments", False)][0] == 1  # F alone


def test_per_week_the_last_days_of_january_and_the_first_of_february_share_a_week(
    fixture_incidents, viewer
):
    report = report_of(viewer, period="week")
    rows = table(report)
    # E (Saturday 31 Jan) and F (Sunday 1 Feb) are both in ISO week 5, Monday 26 January.
    assert rows[("2026-W05", "", False)] == (2, 2, m(14), m(18.8), 2, m(142.5), m(220.5))
    assert next(r for r in report.rows if r.period.key == "2026-W05").period.start == date(
        2026, 1, 26
    )
    assert set(rows) == {
        ("2026-W02", "", False),  # A
        ("2026-W03", "", False),  # B
        ("2026-W04", "", False),  # C, and D on Sunday 25 January
        ("2026-W05", "", False),
        ("2026-W07", "", False),  # G
    }
    assert rows[("2026-W04", "", False)][:2] == (2, 2)


def test_the_range_counts_whole_days_in_utc(fixture_incidents, viewer):
    only_last_day = table(
        metrics_for(metrics_query(start=date(2026, 1, 31), end=date(2026, 1, 31)), viewer=viewer)
    )
    assert only_last_day == {(JANUARY, "", False): (1, 1, m(20), m(20), 1, m(240), m(240))}
    only_first_of_february = table(
        metrics_for(metrics_query(start=date(2026, 2, 1), end=date(2026, 2, 1)), viewer=viewer)
    )
    assert only_first_of_february == {(FEBRUARY, "", False): (1, 1, m(8), m(8), 1, m(45), m(45))}


def test_a_reopened_incident_is_measured_to_its_latest_acknowledgement_and_resolution(
    happened, viewer, lead, member
):
    incident = happened(Spec("R", "P1", "payments", (), utc(2026, 1, 5, 10, 0), 5, 10))
    with time_machine.travel(utc(2026, 1, 5, 11, 0), tick=False) as clock:
        incident = reopen(incident=incident, by=lead, via=Channel.WEB, reason="back again")
        clock.shift(timedelta(minutes=30))
        acknowledge(incident=incident, by=member, via=Channel.WEB)
        # Still open: counted, acknowledged, not resolved.
        rows = table(report_of(viewer))
        assert rows[(JANUARY, "", False)] == (1, 1, m(90), m(90), 0, None, None)
        clock.shift(timedelta(minutes=30))
        resolve(incident=incident, by=member, via=Channel.WEB, resolution="Fixed again.")
    rows = table(report_of(viewer))
    assert rows[(JANUARY, "", False)] == (1, 1, m(90), m(90), 1, m(120), m(120))


def test_one_query_reads_the_incidents_however_many_there_are(
    fixture_incidents, viewer, django_assert_num_queries
):
    query = metrics_query(start=START, end=END, group="severity")
    with django_assert_num_queries(1):
        metrics_for(query, viewer=viewer)
    # Grouped by service, a second one reads which incident has which services.
    query = metrics_query(start=START, end=END, group="service", drills="apart")
    with django_assert_num_queries(2):
        metrics_for(query, viewer=viewer)


def test_nobody_signed_out_and_no_deactivated_account_sees_the_metrics(viewer):
    query = metrics_query(start=START, end=END)
    with pytest.raises(PermissionDenied, match="sign in to see the metrics"):
        metrics_for(query, viewer=None)
    gone = person("gone@example.com", "Gus Gone", role=InstanceRole.RESPONDER)
    gone.is_active = False
    with pytest.raises(PermissionDenied, match="cannot sign in any more"):
        metrics_for(query, viewer=gone)


@pytest.mark.parametrize(
    ("asked", "field", "message"),
    [
        ({"period": "year"}, "period", "period must be one of month, week, not 'year'"),
        ({"group": "colour"}, "group", "group must be one of none, severity, team, service"),
        ({"drills": "only"}, "drills", "drills must be one of exclude, apart"),
        (
            {"start": date(2026, 3, 1), "end": date(2026, 2, 1)},
            "start",
            "start (2026-03-01) is after end (2026-02-01)",
        ),
        ({"start": date(2000, 1, 1), "end": date(2026, 2, 1)}, "end", "at most 3661 days"),
    ],
)
def test_a_question_that_makes_no_sense_is_refused_naming_the_field(asked, field, message):
    with pytest.raises(
        ValidationFailed, match=message.replace("(", r"\(").replace(")", r"\)")
    ) as refused:
        metrics_query(**asked)
    assert refused.value.field == field


def test_without_a_range_the_last_twelve_periods_up_to_today_utc_are_counted(traveller):
    traveller.move_to("2026-03-15 12:00Z")
    monthly = metrics_query()
    assert (monthly.start, monthly.end) == (date(2025, 4, 1), date(2026, 3, 15))
    weekly = metrics_query(period="week")
    # Sunday 15 March is in the week of Monday 9 March; eleven weeks before it: 22 December.
    assert (weekly.start, weekly.end) == (date(2025, 12, 22), date(2026, 3, 15))
    assert (monthly.period, monthly.group, monthly.drills) == ("month", "none", "exclude")
