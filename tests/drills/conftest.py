"""The drill of the specification: Payments' scenario "Checkout 502s", a P1 on the Checkout
service whose alert is an Alertmanager webhook body (tests/samples/) sent through Payments'
Prometheus integration; Bob is on call (tests/conftest.py's policy)."""

import pytest

from tests.support.samples import sample
from tocsin.alerting.models import Integration, Kind
from tocsin.drills.services import create_scenario

SAMPLE = "alertmanager-v4-firing.json"


@pytest.fixture
def prometheus(payments, severities) -> Integration:
    """Payments' Alertmanager integration, with no default service and no default severity:
    what a drill's incident gets comes from its scenario."""
    return Integration.objects.create(kind=Kind.ALERTMANAGER, name="Prometheus", team=payments)


@pytest.fixture
def alertmanager_body():
    """A real Alertmanager webhook body with one firing alert (DiskFull on db1)."""
    return sample(SAMPLE)


@pytest.fixture
def scenario(payments, lead, p1, checkout, prometheus, alertmanager_body):
    """ "Checkout 502s": P1, Checkout, the Alertmanager body, written by Alice (the lead)."""
    return create_scenario(
        team=payments,
        title="Checkout 502s",
        severity=p1,
        service=checkout,
        integration=prometheus,
        payload=alertmanager_body,
        description="Practise the **checkout** outage: acknowledge, roll back, resolve.",
        by=lead,
    )
