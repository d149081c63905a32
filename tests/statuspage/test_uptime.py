"""Uptime: major outage counts fully down, partial outage 30 %, degraded and maintenance up;
days before the start date are no data; finished days are rolled up."""

import datetime as dt

import pytest
import time_machine

from tocsin.statuspage.models import Component, ComponentStatusChange, Page, UptimeDay
from tocsin.statuspage.uptime import day_bars, roll_up, uptime_percent

pytestmark = pytest.mark.django_db

D0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


@pytest.fixture
def component():
    page = Page.objects.get(is_default=True)
    return Component.objects.create(
        page=page, name="Checkout", start_date=dt.date(2026, 3, 1), created_at=D0
    )


def change(component, status, at):
    ComponentStatusChange.objects.create(component=component, status=status, at=at)


def test_major_outage_counts_fully_and_partial_outage_thirty_percent(component):
    day = dt.date(2026, 3, 2)
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    change(component, "major_outage", start + dt.timedelta(hours=6))
    change(component, "partial_outage", start + dt.timedelta(hours=12))
    change(component, "degraded_performance", start + dt.timedelta(hours=18))
    with time_machine.travel(dt.datetime(2026, 3, 4, tzinfo=dt.UTC), tick=False):
        bars = day_bars(component, days=5)
    by_day = {b["day"]: b for b in bars}
    assert by_day[day]["uptime"] == pytest.approx(1 - (0.25 + 0.3 * 0.25))
    assert by_day[day]["worst"] == "major_outage"
    assert by_day[dt.date(2026, 3, 3)]["uptime"] == 1.0  # degraded counts as up
    assert by_day[dt.date(2026, 2, 28)]["uptime"] is None  # before the start date: no data


def test_roll_up_stores_the_day_and_is_used_afterwards(component):
    day = dt.date(2026, 3, 2)
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    change(component, "major_outage", start + dt.timedelta(hours=12))
    change(component, "operational", start + dt.timedelta(hours=18))
    assert roll_up(day) == 1
    rolled = UptimeDay.objects.get(component=component, day=day)
    assert rolled.major_outage_seconds == 6 * 3600
    assert rolled.counted_seconds == 86400
    ComponentStatusChange.objects.all().delete()  # the rollup alone now answers for that day
    with time_machine.travel(dt.datetime(2026, 3, 3, tzinfo=dt.UTC), tick=False):
        bars = day_bars(component, days=2)
        percent = uptime_percent(component, days=2)
    assert bars[0]["day"] == day and bars[0]["uptime"] == pytest.approx(0.75)
    assert percent == pytest.approx(75.0)


def test_no_data_gives_no_percentage(component):
    with time_machine.travel(dt.datetime(2026, 2, 20, tzinfo=dt.UTC), tick=False):
        assert uptime_percent(component, days=5) is None
