from datetime import timedelta

import pytest
from django.db.models.signals import post_save

from tocsin.alerting.models import Integration, Kind, RoutingRule
from tocsin.alerting.sources import Action, ParsedAlert
from tocsin.oncall.escalation.services import LevelSpec, TargetSpec, create_policy


@pytest.fixture
def prometheus(payments, checkout, severities):
    """An Alertmanager integration for Payments, defaulting to the Checkout service."""
    return Integration.objects.create(
        kind=Kind.ALERTMANAGER, name="Prometheus", team=payments, service=checkout
    )


@pytest.fixture
def events_v2(payments, checkout, severities):
    """A PagerDuty Events v2 integration for Payments, defaulting to the Checkout service."""
    return Integration.objects.create(
        kind=Kind.PAGERDUTY, name="Nagios", team=payments, service=checkout
    )


@pytest.fixture
def nightly_backup(platform, severities):
    """A heartbeat for Platform: a ping every 10 minutes, 2 minutes' grace, P2 when missed."""
    return Integration.objects.create(
        kind=Kind.HEARTBEAT,
        name="Nightly backup",
        team=platform,
        severity=severities["P2"],
        heartbeat_interval=timedelta(minutes=10),
        heartbeat_grace=timedelta(minutes=2),
    )


@pytest.fixture
def rule_writes():
    """Every write of a routing rule while the test runs, as (created, enabled)."""
    writes = []

    def record(sender, instance, created, **kwargs):
        writes.append((created, instance.enabled))

    post_save.connect(record, sender=RoutingRule, weak=False)
    yield writes
    post_save.disconnect(record, sender=RoutingRule)


@pytest.fixture
def firing():
    """firing(fingerprint, alertname=…, severity=…) -> a parsed firing alert."""

    def make(fingerprint="fp-1", *, alertname="CheckoutErrors", severity="critical", **labels):
        return ParsedAlert(
            fingerprint=fingerprint,
            action=Action.TRIGGER,
            summary=f"{alertname} on {fingerprint}",
            severity=severity,
            labels={"alertname": alertname, "severity": severity, **labels},
        )

    return make


@pytest.fixture
def resolved():
    def make(fingerprint="fp-1"):
        return ParsedAlert(fingerprint=fingerprint, action=Action.RESOLVE)

    return make


@pytest.fixture
def alice_on_call(payments, lead):
    """Payments pages Alice Novak, its lead, at once; nobody after her (flapping and storm
    tests count her pages)."""
    return create_policy(
        team=payments,
        name="Payments",
        by=lead,
        levels=[LevelSpec(timedelta(minutes=5), [TargetSpec("user", user=lead)])],
    )
