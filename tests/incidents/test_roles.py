"""Roles: exactly one commander at a time, responders, communications lead, scribe."""

import pytest
from django.db import IntegrityError, transaction

from tocsin.errors import PermissionDenied, ValidationFailed
from tocsin.incidents.models import Channel, Event, Role, RoleAssignment
from tocsin.incidents.services import assign_role, remove_role


def active_roles(incident):
    return {
        (a.user.display_name, a.role)
        for a in incident.role_assignments.filter(ended_at__isnull=True)
    }


def test_two_commanders_are_impossible_even_writing_rows_directly(incident, member):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(incident=incident, user=member, role=Role.COMMANDER)
    assert incident.role_assignments.filter(role=Role.COMMANDER).count() == 1


def test_a_past_commander_does_not_count_against_the_rule(incident, lead, member):
    assign_role(incident=incident, user=member, role=Role.COMMANDER, by=lead, via=Channel.WEB)
    assert incident.role_assignments.filter(role=Role.COMMANDER).count() == 2
    assert incident.commander() == member


def test_handing_over_command_ends_the_previous_commander(incident, lead, member):
    assign_role(incident=incident, user=member, role=Role.COMMANDER, by=lead, via=Channel.WEB)
    assert active_roles(incident) == {("Bob Okafor", Role.COMMANDER)}
    handover = incident.timeline.filter(kind=Event.ROLE_ASSIGNED).last()
    assert handover.message == "Command handed over from Alice Novak to Bob Okafor"
    assert handover.actor == lead


def test_only_the_commander_or_a_lead_hands_out_roles(incident, member, other_member):
    with pytest.raises(PermissionDenied, match="commander or a lead"):
        assign_role(
            incident=incident, user=other_member, role=Role.SCRIBE, by=member, via=Channel.WEB
        )
    assert ("Erin Walsh", Role.SCRIBE) not in active_roles(incident)


def test_a_team_member_may_join_as_responder_themselves(incident, member):
    assign_role(incident=incident, user=member, role=Role.RESPONDER, by=member, via=Channel.WEB)
    assert ("Bob Okafor", Role.RESPONDER) in active_roles(incident)


def test_outsiders_cannot_join_themselves(incident, outsider):
    with pytest.raises(PermissionDenied):
        assign_role(
            incident=incident, user=outsider, role=Role.RESPONDER, by=outsider, via=Channel.WEB
        )


def test_the_commander_brings_in_people_from_other_teams(incident, lead, outsider):
    assign_role(
        incident=incident, user=outsider, role=Role.COMMUNICATIONS, by=lead, via=Channel.WEB
    )
    assert ("Carol Jensen", Role.COMMUNICATIONS) in active_roles(incident)


def test_the_commander_role_cannot_be_left_empty(incident, lead):
    with pytest.raises(ValidationFailed, match="always has a commander"):
        remove_role(incident=incident, user=lead, role=Role.COMMANDER, by=lead, via=Channel.WEB)
    assert incident.commander() == lead


def test_removing_a_role_is_recorded(incident, lead, member):
    assign_role(incident=incident, user=member, role=Role.SCRIBE, by=lead, via=Channel.WEB)
    remove_role(incident=incident, user=member, role=Role.SCRIBE, by=lead, via=Channel.WEB)
    assert ("Bob Okafor", Role.SCRIBE) not in active_roles(incident)
    assert incident.timeline.filter(kind=Event.ROLE_REMOVED).get().message == (
        "Bob Okafor is no longer scribe"
    )


def test_unknown_roles_are_refused(incident, lead, member):
    with pytest.raises(ValidationFailed, match="unknown role 'captain'"):
        assign_role(incident=incident, user=member, role="captain", by=lead, via=Channel.WEB)
