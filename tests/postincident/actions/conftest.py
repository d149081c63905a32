"""Fixtures of the action items story: the P1 "Checkout returns 502" of Payments (the
post-mortem story's), its draft post-mortem, and Dave, a member of Payments who owns the
follow-up work. Runbook fixtures come from the runbooks' story."""

import pytest

from tests.postincident.postmortems.conftest import (  # noqa: F401
    FRIDAY,
    _no_folder,
    alice,
    bob,
    carol,
    friday,
    p1_incident,
    postmortem,
    resolved,
)
from tests.runbooks.conftest import (  # noqa: F401
    CHECKOUT_RUNBOOK,
    checkout_runbook,
    fire,
    prometheus,
)
from tests.support.people import person
from tocsin.incidents.models import Channel
from tocsin.incidents.services import resolve
from tocsin.postincident.postmortems.models import Postmortem

TODAY = FRIDAY.date()


@pytest.fixture
def dave(payments):
    return person("dave@example.com", "Dave Ito", team=payments)


@pytest.fixture
def alerted_postmortem(fire, friday, alice):  # noqa: F811 (the imported fixtures)
    """The post-mortem of the P1 the alert CheckoutErrorRate opened, once resolved."""
    incident = fire().incident
    friday.shift(3600)
    resolve(incident=incident, by=alice, via=Channel.WEB, resolution="Rolled back.")
    return Postmortem.objects.get(incident=incident)
