"""Fixtures of the post-mortem story: a P1 of Payments whose commander is Bob, resolved on a
Friday; Alice (Payments' lead) and Carol (Platform) review. No post-mortem folder unless a test
sets one."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.support.web import BASE_URL
from tocsin.incidents.models import Channel
from tocsin.incidents.services import declare, resolve
from tocsin.postincident.postmortems.models import Postmortem

# Friday 4 December 2026, 10:00 UTC: five business days later is Friday 11 December.
FRIDAY = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_folder(settings):
    settings.BASE_URL = BASE_URL
    settings.POSTMORTEM_DIR = ""
    settings.POSTMORTEM_APPROVALS = 2
    settings.POSTMORTEM_DUE_DAYS = 5


@pytest.fixture
def bob(member):
    return member


@pytest.fixture
def alice(lead):
    return lead


@pytest.fixture
def carol(outsider):
    return outsider


@pytest.fixture
def friday():
    with time_machine.travel(FRIDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def p1_incident(friday, payments, alice, bob, p1, checkout):
    """'Checkout returns 502', P1 for Payments, declared by Alice with Bob as its commander."""
    return declare(
        title="Checkout returns 502",
        severity=p1,
        team=payments,
        by=alice,
        via=Channel.WEB,
        services=[checkout],
        description="Every checkout attempt answers 502 Bad Gateway.",
        impact_who="Every customer paying by card",
        impact_how="They cannot pay",
        commander=bob,
    )


@pytest.fixture
def resolved(p1_incident, alice, friday):
    friday.shift(3600)
    return resolve(
        incident=p1_incident,
        by=alice,
        via=Channel.WEB,
        resolution="Rolled back the gateway to 4.1.2.",
    )


@pytest.fixture
def postmortem(resolved) -> Postmortem:
    """The draft written when the P1 was resolved."""
    return Postmortem.objects.get(incident=resolved)


@pytest.fixture
def in_review(postmortem, bob, alice, carol):
    from tocsin.postincident.actions.services import create_action_item
    from tocsin.postincident.postmortems.services import request_review

    # An action item, so that publishing it needs no reason (tests/postincident/actions/).
    create_action_item(
        incident=postmortem.incident,
        by=bob,
        kind="prevent",
        title="Add a canary stage to checkout deploys",
        owner=bob,
        due_on=FRIDAY.date() + timedelta(days=14),
    )
    return request_review(postmortem=postmortem, by=bob, reviewers=[alice, carol])
