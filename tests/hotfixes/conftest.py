"""Fixtures of the hot fix story: the P1 "Checkout returns 502" of Payments, declared by Alice
(its lead) on Monday 7 December 2026 and resolved an hour later; Bob, a member, fixed it with a
pull request on main that must be merged back into release/2.3 and release/2.2."""

from datetime import UTC, datetime

import pytest
import time_machine

from tests.support.web import BASE_URL
from tocsin.hotfixes.models import HotFix, MergeBack
from tocsin.hotfixes.services import record_hot_fix
from tocsin.incidents.models import Channel, Event, TimelineEvent
from tocsin.incidents.services import declare, resolve

MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
CHANGE = "https://git.example.org/pr/41"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.BASE_URL = BASE_URL
    settings.POSTMORTEM_DIR = ""


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def checkout_incident(monday, payments, lead, member, p1, checkout):
    return declare(
        title="Checkout returns 502",
        severity=p1,
        team=payments,
        by=lead,
        via=Channel.WEB,
        services=[checkout],
    )


@pytest.fixture
def resolved(checkout_incident, lead, monday):
    monday.shift(3600)
    return resolve(
        incident=checkout_incident,
        by=lead,
        via=Channel.WEB,
        resolution="Fixed the gateway timeout (PR 41).",
    )


@pytest.fixture
def hot_fix(resolved, member) -> HotFix:
    """Bob's hot fix, recorded once the incident was resolved."""
    return record_hot_fix(
        incident=resolved,
        by=member,
        change_url=CHANGE,
        branch="main",
        targets=["release/2.3", "release/2.2"],
    )


def hot_fix_events(incident):
    return list(
        incident.timeline.filter(kind=Event.HOT_FIX)
        .order_by("id")
        .values_list("message", flat=True)
    )


def counts() -> dict[str, int]:
    return {
        "hot fixes": HotFix.objects.count(),
        "merge-backs": MergeBack.objects.count(),
        "timeline events": TimelineEvent.objects.count(),
    }
