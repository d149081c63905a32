"""The runbook of the specification: "Checkout error rate", five steps, for the alert
CheckoutErrorRate and the Checkout service, written by Payments' lead; and the incident that
alert opened."""

import pytest

from tocsin.alerting.ingest import ingest
from tocsin.alerting.models import Integration, Kind
from tocsin.alerting.sources import Action, ParsedAlert
from tocsin.runbooks.services import create_runbook

CHECKOUT_RUNBOOK = """\
When checkout fails, follow these steps in order.

1. Open the **Checkout** dashboard and confirm the error rate
2. Roll back the latest deploy
3. Check the payment provider's status page
4. Tell support what customers see
5. Confirm the error rate is back under 1%

Escalate to the Platform team if the rollback does not help.
"""


@pytest.fixture
def prometheus(payments, checkout, severities) -> Integration:
    """An Alertmanager integration for Payments, defaulting to the Checkout service."""
    return Integration.objects.create(
        kind=Kind.ALERTMANAGER, name="Prometheus", team=payments, service=checkout
    )


@pytest.fixture
def fire(prometheus):
    """fire(alertname, fingerprint=…, **labels) -> the Outcome of one firing alert."""

    def make(alertname="CheckoutErrorRate", fingerprint=None, *, integration=None, **fields):
        annotations = fields.pop("annotations", {})
        links = fields.pop("links", [])
        [outcome] = ingest(
            integration=integration or prometheus,
            alerts=[
                ParsedAlert(
                    fingerprint=fingerprint or f"fp-{alertname}",
                    action=Action.TRIGGER,
                    summary=annotations.get("summary", f"{alertname} firing"),
                    severity="critical",
                    labels={"alertname": alertname, "severity": "critical", **fields},
                    annotations=annotations,
                    links=links,
                )
            ],
        )
        return outcome

    return make


@pytest.fixture
def checkout_runbook(lead, checkout):
    return create_runbook(
        name="Checkout error rate",
        body=CHECKOUT_RUNBOOK,
        services=[checkout],
        alert_names=["CheckoutErrorRate"],
        by=lead,
    )


@pytest.fixture
def alert_incident(fire):
    """The P1 Payments incident the alert CheckoutErrorRate opened."""
    return fire().incident
