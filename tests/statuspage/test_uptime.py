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


def test_the_worker_rolls_up_yesterday_every_hour_for_every_component(component):
    from tocsin.worker import periodic_jobs

    other = Component.objects.create(page=component.page, name="Card processing", created_at=D0)
    (job,) = [j for j in periodic_jobs() if j.name == "status page: uptime of yesterday"]
    assert job.every == 3600
    change(component, "partial_outage", dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC), tick=False):
        job.run()
        job.run()  # every hour of the day: the same row, written again
    rolled = {u.component_id: u for u in UptimeDay.objects.filter(day=dt.date(2026, 3, 2))}
    assert set(rolled) == {component.pk, other.pk}
    assert rolled[component.pk].partial_outage_seconds == 12 * 3600
    assert rolled[other.pk].partial_outage_seconds == 0
    assert UptimeDay.objects.filter(day=dt.date(2026, 3, 3)).count() == 0  # today is not done


def test_the_bars_of_several_components_are_each_their_own(component):
    from tocsin.statuspage.uptime import bars_of

    other = Component.objects.create(
        page=component.page, name="API", start_date=dt.date(2026, 3, 1), created_at=D0
    )
    start = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    change(component, "major_outage", start)
    change(component, "operational", start + dt.timedelta(hours=12))
    change(other, "partial_outage", start)
    with time_machine.travel(dt.datetime(2026, 3, 4, tzinfo=dt.UTC), tick=False):
        together = bars_of([component, other], days=3)
        alone = {c.pk: day_bars(c, days=3) for c in (component, other)}
    assert together == alone
    assert together[component.pk][0]["uptime"] == pytest.approx(0.5)
    assert together[other.pk][0]["uptime"] == pytest.approx(0.7)
