"""Automation: what an incident proposes for the components of its services, and the
components that opted in to publish it by themselves (only for incidents opened by an alert)."""

import pytest

from tocsin.alerting.ingest import ingest
from tocsin.alerting.models import Integration, Kind
from tocsin.alerting.sources import Action, ParsedAlert
from tocsin.incidents.models import Event
from tocsin.statuspage import services
from tocsin.statuspage.models import ComponentStatus, ProposedStatus, PublicIncident
from tocsin.statuspage.selectors import proposal_for


@pytest.fixture
def prometheus(payments, checkout, severities):
    return Integration.objects.create(
        kind=Kind.ALERTMANAGER, name="Prometheus", team=payments, service=checkout
    )


def alert(fingerprint="fp-1", severity="critical", **more):
    return ParsedAlert(
        fingerprint=fingerprint,
        action=Action.TRIGGER,
        summary=f"CheckoutErrors on {fingerprint}",
        severity=severity,
        labels={"alertname": "CheckoutErrors", "severity": severity},
        **more,
    )


def test_the_severity_proposes_a_status_for_the_components_of_its_services(
    incident, checkout_component, card_component
):
    assert proposal_for(incident) == [(checkout_component, ComponentStatus.MAJOR_OUTAGE)]


def test_admins_edit_the_table_of_proposals(incident, checkout_component, p1):
    ProposedStatus.objects.filter(severity=p1).update(status=ComponentStatus.PARTIAL_OUTAGE)
    assert proposal_for(incident) == [(checkout_component, ComponentStatus.PARTIAL_OUTAGE)]
    ProposedStatus.objects.filter(severity=p1).delete()
    assert proposal_for(incident) == []


def test_nothing_goes_public_without_a_click_unless_the_component_opted_in(
    prometheus, checkout_component, told
):
    [outcome] = ingest(integration=prometheus, alerts=[alert()])
    assert outcome.incident is not None
    assert not PublicIncident.objects.exists() and told.updates == []
    checkout_component.refresh_from_db()
    assert checkout_component.status == ComponentStatus.OPERATIONAL


def test_a_component_that_opted_in_publishes_an_alerts_incident_by_itself(
    prometheus, checkout_component, admin, told, rerendered
):
    services.update_component(
        component=checkout_component,
        by=admin,
        automatic=True,
        automatic_message="We are looking into errors at checkout.",
    )
    [outcome] = ingest(integration=prometheus, alerts=[alert()])
    public = PublicIncident.objects.get()
    assert public.incident == outcome.incident
    assert public.name == "Major outage of Checkout"
    assert public.published_at is not None
    assert public.updates.get().body == "We are looking into errors at checkout."
    checkout_component.refresh_from_db()
    assert checkout_component.status == ComponentStatus.MAJOR_OUTAGE
    event = outcome.incident.timeline.get(kind=Event.PUBLIC_UPDATE)
    assert event.actor is None and event.actor_name == "Status page automation"
    assert len(told.updates) == 1
    assert "public" in rerendered


def test_an_incident_declared_by_hand_is_never_published_by_itself(
    incident, checkout_component, admin, lead, p1, payments, checkout
):
    from tocsin.incidents.models import Channel
    from tocsin.incidents.services import declare

    services.update_component(component=checkout_component, by=admin, automatic=True)
    declare(
        title="Checkout down",
        severity=p1,
        team=payments,
        by=lead,
        via=Channel.WEB,
        services=[checkout],
    )
    assert not PublicIncident.objects.exists()


def test_a_drill_is_never_published(prometheus, checkout_component, admin):
    services.update_component(component=checkout_component, by=admin, automatic=True)
    [outcome] = ingest(integration=prometheus, alerts=[alert(test=True)])
    assert outcome.incident.drill
    assert not PublicIncident.objects.exists()


def test_a_severity_without_a_proposal_publishes_nothing(prometheus, checkout_component, admin):
    services.update_component(component=checkout_component, by=admin, automatic=True)
    [outcome] = ingest(integration=prometheus, alerts=[alert(severity="info")])
    assert outcome.incident.severity.key not in ("P1", "P2", "P3")
    assert not PublicIncident.objects.exists()
