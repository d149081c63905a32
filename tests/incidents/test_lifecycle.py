"""The incident lifecycle: declare, acknowledge, work, resolve, reopen, cancel."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from tocsin.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from tocsin.incidents.models import Channel, Event, Role, Status
from tocsin.incidents.services import (
    acknowledge,
    add_note,
    assign,
    cancel,
    change_severity,
    declare,
    reopen,
    resolve,
    set_status,
    update_details,
)


def kinds(incident):
    return list(incident.timeline.values_list("kind", flat=True))


def test_declaring_opens_a_triggered_incident_with_the_declarer_as_commander(incident, lead):
    assert incident.status == Status.TRIGGERED
    assert incident.reference == f"INC-{incident.pk}"
    assert incident.reported_by == lead
    assert incident.commander() == lead
    # Payments has no escalation policy: the engine says it pages the team's leads instead.
    assert kinds(incident) == [Event.CREATED, Event.ESCALATION, Event.ROLE_ASSIGNED]
    created = incident.timeline.first()
    assert created.actor == lead and created.via == Channel.WEB
    assert "P1 Critical for Payments" in created.message


def test_declaring_needs_a_title(payments, lead, p1):
    with pytest.raises(ValidationFailed, match="title must not be empty") as error:
        declare(title="  ", severity=p1, team=payments, by=lead)
    assert error.value.field == "title"


def test_viewers_cannot_declare(payments, viewer, p1):
    with pytest.raises(PermissionDenied, match="viewer"):
        declare(title="Checkout returns 502", severity=p1, team=payments, by=viewer)


def test_a_member_acknowledges_and_the_incident_is_working(incident, member):
    with time_machine.travel(incident.reported_at + timedelta(minutes=3), tick=False):
        acknowledge(incident=incident, by=member, via=Channel.WEB)
    incident.refresh()
    assert incident.status == Status.ACKNOWLEDGED
    assert incident.get_status_display() == "Working"
    assert incident.acknowledged_by == member
    assert incident.time_to_acknowledge == timedelta(minutes=3)
    event = incident.timeline.get(kind=Event.ACKNOWLEDGED)
    assert event.actor == member and event.via == Channel.WEB


def test_only_team_members_can_acknowledge(incident, outsider):
    with pytest.raises(PermissionDenied, match="not a member of Payments"):
        acknowledge(incident=incident, by=outsider, via=Channel.WEB)
    assert incident.refresh().status == Status.TRIGGERED
    assert incident.acknowledged_by is None
    assert not incident.timeline.filter(kind=Event.ACKNOWLEDGED).exists()


def test_acknowledging_twice_is_harmless_for_the_same_person(incident, member):
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    first_at = incident.refresh().acknowledged_at
    acknowledge(incident=incident, by=member, via=Channel.TELEGRAM)
    assert incident.refresh().acknowledged_at == first_at
    assert incident.timeline.filter(kind=Event.ACKNOWLEDGED).count() == 1


def test_a_second_person_is_told_who_owns_it(incident, member, other_member):
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    with pytest.raises(Conflict, match="already acknowledged by Bob Okafor"):
        acknowledge(incident=incident, by=other_member, via=Channel.WEB)
    assert incident.refresh().acknowledged_by == member


def test_a_lead_assigns_the_incident_which_acknowledges_it_for_the_assignee(incident, lead, member):
    assign(incident=incident, to=member, by=lead, via=Channel.WEB)
    incident.refresh()
    assert incident.status == Status.ACKNOWLEDGED
    assert incident.acknowledged_by == member
    assert incident.timeline.get(kind=Event.ASSIGNED).message == (
        "Alice Novak assigned the incident to Bob Okafor"
    )


def test_a_plain_member_cannot_assign(incident, member, other_member):
    with pytest.raises(PermissionDenied, match="commander or a lead of Payments"):
        assign(incident=incident, to=other_member, by=member, via=Channel.WEB)
    assert incident.refresh().acknowledged_by is None


def test_nobody_outside_the_team_can_be_assigned(incident, lead, outsider):
    with pytest.raises(PermissionDenied, match="not a member of Payments"):
        assign(incident=incident, to=outsider, by=lead, via=Channel.WEB)
    assert incident.refresh().status == Status.TRIGGERED


def test_resolving_fills_in_who_and_when_from_the_owner(incident, lead, member):
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    add_note(incident=incident, by=lead, via=Channel.WEB, text="Rolled back the deploy")
    later = timezone.now() + timedelta(minutes=42)
    with time_machine.travel(later, tick=False):
        resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Rolled back v2.3.1")
    incident.refresh()
    assert incident.status == Status.RESOLVED
    assert incident.resolved_by == member
    assert incident.resolved_at == later
    assert incident.resolution == "Rolled back v2.3.1"
    assert incident.time_to_resolve == later - incident.reported_at
    resolved = incident.timeline.get(kind=Event.RESOLVED)
    assert resolved.actor == lead
    assert (
        resolved.message == "Resolved by Bob Okafor: Rolled back v2.3.1 (recorded by Alice Novak)"
    )
    assert kinds(incident) == [
        Event.CREATED,
        Event.ESCALATION,  # paging the leads: Payments has no policy
        Event.ROLE_ASSIGNED,
        Event.ACKNOWLEDGED,
        Event.ESCALATION,  # stopped: acknowledged
        Event.NOTE,
        Event.RESOLVED,
        Event.SITUATION_REPORT,  # written at resolution (tocsin/postincident/situation/)
        Event.POSTMORTEM,  # P1 requires one: drafted (tocsin/postincident/postmortems/)
    ]


def test_resolving_an_unowned_incident_credits_the_person_resolving(incident, member):
    resolve(incident=incident, by=member, via=Channel.API, resolution="False alarm from a probe")
    assert incident.refresh().resolved_by == member


def test_resolving_needs_a_resolution(incident, member):
    with pytest.raises(ValidationFailed, match="resolution must not be empty"):
        resolve(incident=incident, by=member, via=Channel.WEB, resolution="")
    assert incident.refresh().status == Status.TRIGGERED


def test_resolved_at_cannot_lie_in_the_future(incident, member):
    with pytest.raises(ValidationFailed, match="between the report time and now"):
        resolve(
            incident=incident,
            by=member,
            via=Channel.WEB,
            resolution="Fixed",
            resolved_at=timezone.now() + timedelta(hours=1),
        )
    assert incident.refresh().resolved_at is None


def test_outsiders_cannot_resolve(incident, outsider):
    with pytest.raises(PermissionDenied, match="only members of Payments"):
        resolve(incident=incident, by=outsider, via=Channel.WEB, resolution="Fixed")
    assert incident.refresh().status == Status.TRIGGERED


def test_the_working_states_follow_acknowledgement(incident, member):
    with pytest.raises(InvalidTransition, match="Triggered to Identified; acknowledge it first"):
        set_status(incident=incident, status=Status.IDENTIFIED, by=member, via=Channel.WEB)
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    set_status(incident=incident, status=Status.IDENTIFIED, by=member, via=Channel.WEB)
    set_status(incident=incident, status=Status.MONITORING, by=member, via=Channel.WEB)
    incident.refresh()
    assert incident.status == Status.MONITORING
    assert incident.identified_at and incident.monitoring_at
    changes = incident.timeline.filter(kind=Event.STATUS_CHANGED)
    assert [e.message for e in changes] == [
        "Status changed from Working to Identified",
        "Status changed from Identified to Monitoring",
    ]


def test_a_resolved_incident_refuses_acknowledgement_until_reopened(incident, member):
    resolve(incident=incident, by=member, via=Channel.WEB, resolution="Fixed")
    with pytest.raises(InvalidTransition, match="Resolved to Working; reopen it first"):
        acknowledge(incident=incident, by=member, via=Channel.WEB)
    reopen(incident=incident, by=member, via=Channel.WEB, reason="502s are back")
    incident.refresh()
    assert incident.status == Status.TRIGGERED
    assert incident.resolved_by is None and incident.resolved_at is None
    assert incident.resolution == ""
    assert (
        incident.timeline.get(kind=Event.REOPENED).message
        == "Reopened by Bob Okafor: 502s are back"
    )
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    assert incident.refresh().status == Status.ACKNOWLEDGED


def test_reopening_an_open_incident_is_refused(incident, member):
    with pytest.raises(InvalidTransition, match="not resolved or cancelled"):
        reopen(incident=incident, by=member, via=Channel.WEB)


def test_cancelling_needs_a_reason_and_someone_in_charge(incident, lead, member):
    with pytest.raises(PermissionDenied):
        cancel(incident=incident, by=member, via=Channel.WEB, reason="Duplicate of INC-1")
    with pytest.raises(ValidationFailed, match="reason"):
        cancel(incident=incident, by=lead, via=Channel.WEB, reason="")
    cancel(incident=incident, by=lead, via=Channel.WEB, reason="Duplicate of INC-1")
    incident.refresh()
    assert incident.status == Status.CANCELLED
    assert incident.cancel_reason == "Duplicate of INC-1"
    assert incident.cancelled_at is not None


def test_severity_changes_are_recorded_with_their_direction(incident, member, p3):
    change_severity(incident=incident, severity=p3, by=member, via=Channel.WEB)
    assert incident.refresh().severity == p3
    assert incident.timeline.get(kind=Event.SEVERITY_CHANGED).message == (
        "Severity lowered from P1 Critical to P3 Moderate"
    )


def test_editing_details_records_only_what_changed(incident, member):
    update_details(
        incident=incident,
        by=member,
        via=Channel.WEB,
        title="Checkout returns 502",
        impact_who="All EU customers",
    )
    event = incident.timeline.get(kind=Event.UPDATED)
    assert event.data == {"fields": ["impact_who"]}
    update_details(incident=incident, by=member, via=Channel.WEB, title="Checkout returns 502")
    assert incident.timeline.filter(kind=Event.UPDATED).count() == 1


def test_the_timeline_is_append_only(incident):
    event = incident.timeline.first()
    event.message = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_roles_on_declare_include_exactly_one_commander(incident, lead):
    active = incident.role_assignments.filter(ended_at__isnull=True)
    assert [(a.user, a.role) for a in active] == [(lead, Role.COMMANDER)]


def test_a_source_acknowledges_without_owning_and_a_member_can_still_take_it(incident, member):
    acknowledge(incident=incident, by=None, via=Channel.API, system="Nagios (PagerDuty client)")
    incident.refresh()
    assert incident.status == Status.ACKNOWLEDGED and incident.acknowledged_by is None
    source_ack = incident.timeline.get(kind=Event.ACKNOWLEDGED)
    assert source_ack.actor is None and source_ack.actor_name == "Nagios (PagerDuty client)"
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    assert incident.refresh().acknowledged_by == member


def test_only_one_open_incident_per_grouping_key(payments, lead, p1):
    first = declare(title="A", severity=p1, team=payments, by=lead, grouping_key="checkout/5xx")
    with pytest.raises(IntegrityError), transaction.atomic():
        declare(title="B", severity=p1, team=payments, by=lead, grouping_key="checkout/5xx")
    resolve(incident=first, by=lead, via=Channel.WEB, resolution="Fixed")
    second = declare(title="C", severity=p1, team=payments, by=lead, grouping_key="checkout/5xx")
    with pytest.raises(Conflict, match=f"{second.reference} is already open"):
        reopen(incident=first, by=lead, via=Channel.WEB)
    assert first.refresh().status == Status.RESOLVED


def test_someone_outside_the_team_may_not_add_a_note_until_given_a_role(incident, lead, outsider):
    from tocsin.incidents.services import assign_role

    with pytest.raises(PermissionDenied) as refusal:
        add_note(incident=incident, by=outsider, via=Channel.API, text="Seen it on our side too")
    assert "only members of Payments or people with a role on" in str(refusal.value)
    assert not incident.timeline.filter(kind=Event.NOTE).exists()

    assign_role(incident=incident, user=outsider, role=Role.RESPONDER, by=lead, via=Channel.WEB)
    add_note(incident=incident, by=outsider, via=Channel.API, text="Seen it on our side too")
    assert incident.timeline.filter(kind=Event.NOTE, actor=outsider).count() == 1
