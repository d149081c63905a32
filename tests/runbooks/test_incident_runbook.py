"""The story: INC-12 (P1, Payments) opened from the alert CheckoutErrorRate shows the runbook
linked to that alert as numbered steps; Bob ticks them as he goes, each tick on the timeline."""

import pytest

from tocsin.alerting.models import RoutingRule
from tocsin.errors import Conflict, PermissionDenied, ValidationFailed
from tocsin.incidents.models import Channel, Event, Role
from tocsin.incidents.services import assign_role, resolve
from tocsin.runbooks.models import RuleRunbook, StepTick
from tocsin.runbooks.selectors import runbook_for
from tocsin.runbooks.services import create_runbook, tick_step, update_runbook


def test_an_incident_opened_by_an_alert_finds_the_runbook_of_its_alert_name(
    checkout_runbook, alert_incident
):
    found = runbook_for(alert_incident)
    assert found.runbook == checkout_runbook
    assert found.why == "the runbook for the alert 'CheckoutErrorRate'"


def test_the_routing_rules_runbook_comes_before_the_alert_names(
    checkout_runbook, fire, admin, payments
):
    rule = RoutingRule.objects.create(
        name="Checkout", team=payments, runbook_url="https://wiki.example.org/checkout"
    )
    by_rule = create_runbook(name="Routed", body="1. Follow the rule", rules=[rule], by=admin)
    rule.refresh_from_db()
    assert rule.runbook_url == ""  # an internal runbook instead of the external address
    found = runbook_for(fire().incident)
    assert (found.runbook, found.why) == (by_rule, "the runbook of routing rule 'Checkout'")


def test_without_a_rule_or_alert_name_a_service_runbook_is_used(checkout_runbook, incident, lead):
    update_runbook(runbook=checkout_runbook, by=lead, alert_names=[])
    found = runbook_for(incident)  # declared by hand on Checkout
    assert (found.runbook, found.why) == (checkout_runbook, "the runbook of the service Checkout")


def test_without_a_tocsin_runbook_the_alerts_external_address_is_kept(fire, payments):
    RoutingRule.objects.create(
        name="Checkout", team=payments, runbook_url="https://wiki.example.org/checkout"
    )
    found = runbook_for(fire().incident)
    assert found.runbook is None
    assert found.external_url == "https://wiki.example.org/checkout"


def test_bob_ticks_a_step_and_it_lands_on_the_timeline(checkout_runbook, alert_incident, member):
    tick = tick_step(
        incident=alert_incident,
        runbook=checkout_runbook,
        step=2,
        note="rolled back the deploy",
        by=member,
        via=Channel.WEB,
    )
    assert (tick.by, tick.text, tick.version) == (member, "Roll back the latest deploy", 1)
    event = alert_incident.timeline.get(kind=Event.RUNBOOK_STEP)
    assert event.message == "Step 2 of 5 done: rolled back the deploy"
    assert event.actor == member
    assert event.data["runbook"] == "checkout-error-rate"


def test_without_a_note_the_timeline_quotes_the_step(checkout_runbook, alert_incident, member):
    tick_step(incident=alert_incident, runbook=checkout_runbook, step=1, by=member, via=Channel.API)
    event = alert_incident.timeline.get(kind=Event.RUNBOOK_STEP)
    assert event.message == (
        "Step 1 of 5 done: Open the **Checkout** dashboard and confirm the error rate"
    )
    assert event.via == Channel.API


def test_a_step_is_ticked_once(checkout_runbook, alert_incident, member, lead):
    tick_step(incident=alert_incident, runbook=checkout_runbook, step=2, by=member, via="web")
    with pytest.raises(Conflict, match="step 2 was already ticked by Bob Okafor"):
        tick_step(incident=alert_incident, runbook=checkout_runbook, step=2, by=lead, via="web")
    assert StepTick.objects.get().by == member
    assert alert_incident.timeline.filter(kind=Event.RUNBOOK_STEP).count() == 1


@pytest.mark.parametrize(
    ("step", "message"),
    [(0, "has no step 0: its steps are 1 to 5"), (6, "has no step 6: its steps are 1 to 5")],
)
def test_a_step_the_runbook_does_not_have_is_refused(
    checkout_runbook, alert_incident, member, step, message
):
    with pytest.raises(ValidationFailed, match=message):
        tick_step(
            incident=alert_incident, runbook=checkout_runbook, step=step, by=member, via="web"
        )
    assert not StepTick.objects.exists()
    assert not alert_incident.timeline.filter(kind=Event.RUNBOOK_STEP).exists()


def test_another_runbook_than_the_incidents_is_refused(checkout_runbook, alert_incident, admin):
    other = create_runbook(name="Other", body="1. Something else", by=admin)
    with pytest.raises(ValidationFailed, match="Other is not the runbook of INC-"):
        tick_step(incident=alert_incident, runbook=other, step=1, by=admin, via="web")
    assert not StepTick.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "viewer"])
def test_only_people_working_the_incident_tick(request, checkout_runbook, alert_incident, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        tick_step(incident=alert_incident, runbook=checkout_runbook, step=1, by=user, via="web")
    assert not StepTick.objects.exists()
    assert not alert_incident.timeline.filter(kind=Event.RUNBOOK_STEP).exists()


def test_a_responder_from_another_team_ticks(checkout_runbook, alert_incident, outsider, lead):
    assign_role(
        incident=alert_incident, user=outsider, role=Role.RESPONDER, by=lead, via=Channel.WEB
    )
    tick_step(incident=alert_incident, runbook=checkout_runbook, step=3, by=outsider, via="web")
    assert StepTick.objects.get().by == outsider


def test_a_resolved_incident_takes_no_more_ticks(checkout_runbook, alert_incident, member):
    resolve(incident=alert_incident, by=member, via=Channel.WEB, resolution="Rolled back")
    with pytest.raises(Conflict, match="is resolved: reopen it to tick runbook steps"):
        tick_step(incident=alert_incident, runbook=checkout_runbook, step=1, by=member, via="web")
    assert not StepTick.objects.exists()


def test_a_routing_rule_is_linked_only_by_who_manages_it(checkout_runbook, lead, platform):
    rule = RoutingRule.objects.create(
        name="Platform db", team=platform, runbook_url="https://wiki.example.org/db"
    )
    with pytest.raises(PermissionDenied, match="link the routing rule 'Platform db'"):
        update_runbook(runbook=checkout_runbook, by=lead, rules=[rule])
    rule.refresh_from_db()
    assert rule.runbook_url == "https://wiki.example.org/db"
    assert not RuleRunbook.objects.exists()


def test_a_rule_already_using_a_runbook_is_not_taken_over(checkout_runbook, admin, payments):
    rule = RoutingRule.objects.create(name="Checkout", team=payments)
    update_runbook(runbook=checkout_runbook, by=admin, rules=[rule])
    with pytest.raises(ValidationFailed, match="already uses the runbook Checkout error rate"):
        create_runbook(name="Other", body="1. x", rules=[rule], by=admin)
    assert RuleRunbook.objects.get().runbook == checkout_runbook
    update_runbook(runbook=checkout_runbook, by=admin, rules=[])
    assert not RuleRunbook.objects.exists()


def test_of_several_service_runbooks_the_first_by_name_is_used(incident, lead, checkout):
    create_runbook(name="Zebra", body="1. z", services=[checkout], by=lead)
    first = create_runbook(name="Alpha", body="1. a", services=[checkout], by=lead)
    assert runbook_for(incident).runbook == first


def test_a_lead_edits_a_runbook_an_admin_linked_to_another_teams_rule(
    checkout_runbook, admin, lead, platform
):
    rule = RoutingRule.objects.create(name="Platform db", team=platform)
    update_runbook(runbook=checkout_runbook, by=admin, rules=[rule])
    update_runbook(runbook=checkout_runbook, by=lead, body="1. Roll back", rules=[rule])
    assert checkout_runbook.versions.count() == 2
    with pytest.raises(PermissionDenied, match="unlink the routing rule 'Platform db'"):
        update_runbook(runbook=checkout_runbook, by=lead, rules=[])
    assert RuleRunbook.objects.get().rule == rule
