"""Schedules of the specification: Payments in Europe/Berlin, and the helpers to read times."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.notify.conftest import smtp  # noqa: F401  (the real SMTP server, for paging tests)
from tocsin.oncall.policies import LevelSpec, TargetSpec, create_policy
from tocsin.oncall.services import add_layer, create_schedule

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def local(zone: ZoneInfo, *parts) -> datetime:
    """A wall-clock time as an instant (fold=0, like the schedules themselves)."""
    return datetime(*parts, tzinfo=zone).astimezone(UTC)


@pytest.fixture
def schedule_in(payments, lead):
    """schedule_in("Europe/Berlin") -> a Payments schedule in that zone, with no layers."""

    def make(time_zone="Europe/Berlin", name=None):
        return create_schedule(
            team=payments, name=name or f"Payments {time_zone}", time_zone=time_zone, by=lead
        )

    return make


@pytest.fixture
def layer_of(lead):
    """layer_of(schedule, [people], unit, length, handoff, start, **more) -> a new layer."""

    def make(
        schedule,
        people,
        *,
        unit="weeks",
        length=1,
        handoff=time(9, 0),
        start=date(2026, 1, 5),
        name="Primary",
        **more,
    ):
        return add_layer(
            schedule=schedule,
            by=lead,
            name=name,
            participants=people,
            rotation_unit=unit,
            rotation_length=length,
            handoff_time=handoff,
            start_date=start,
            **more,
        )

    return make


@pytest.fixture
def berlin(schedule_in):
    return schedule_in("Europe/Berlin")


@pytest.fixture
def new_york(schedule_in):
    return schedule_in("America/New_York")


# --- Escalation: a policy for Payments, and a clock stopped on a Monday morning -------------

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday morning in Berlin


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def primary(berlin, layer_of, member):
    """'Payments Europe/Berlin': Bob is on call, every week."""
    layer_of(berlin, [member])
    return berlin


@pytest.fixture
def policy(payments, lead, primary):
    """On call now, then the team lead after 5 minutes; no repeat."""
    return create_policy(
        team=payments,
        name="Payments default",
        by=lead,
        levels=[
            LevelSpec(timedelta(minutes=5), [TargetSpec("schedule", schedule=primary)]),
            LevelSpec(timedelta(minutes=5), [TargetSpec("user", user=lead)]),
        ],
    )
