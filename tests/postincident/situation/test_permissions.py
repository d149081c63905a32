"""Who may regenerate a report and choose its stakeholders: the incident's commander, members of
its team and admins for the incident; admins and the team's leads for the team's list. The page
offers exactly what the service allows (tocsin/accounts/permissions/ answers both)."""

import pytest

from tocsin.accounts.models import Membership
from tocsin.accounts.permissions import may_manage_team, may_regenerate_situation_report
from tocsin.errors import Conflict, PermissionDenied
from tocsin.incidents.models import Channel, Role
from tocsin.incidents.services import assign_role, resolve
from tocsin.postincident.situation.models import Stakeholder
from tocsin.postincident.situation.services import (
    add_incident_stakeholder,
    add_team_stakeholder,
    regenerate,
    remove_stakeholder,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(outage, member):
    resolve(incident=outage, by=member, via=Channel.WEB, resolution="Rolled back")
    return outage.refresh()


def test_members_of_the_team_and_admins_may_regenerate(resolved, member, admin):
    assert regenerate(incident=resolved, by=member).generation == 2
    assert regenerate(incident=resolved, by=admin).generation == 3


def test_a_commander_from_another_team_may_regenerate(outage, lead, outsider):
    assign_role(incident=outage, user=outsider, role=Role.COMMANDER, by=lead, via=Channel.WEB)
    resolve(incident=outage, by=lead, via=Channel.WEB, resolution="Rolled back")
    resolved = outage.refresh()
    assert may_regenerate_situation_report(resolved, outsider)

    assert regenerate(incident=resolved, by=outsider).generated_by == outsider


def test_outsiders_and_viewers_may_not_regenerate(resolved, payments, outsider, viewer, unchanged):
    Membership.objects.create(team=payments, user=viewer)  # a member, but one who only reads
    for person in (outsider, viewer):
        assert not may_regenerate_situation_report(resolved, person)
    with unchanged(resolved):
        with pytest.raises(
            PermissionDenied, match="only the commander of INC-.*members of Payments"
        ):
            regenerate(incident=resolved, by=outsider)
        with pytest.raises(PermissionDenied, match="Vera Viewer is a viewer"):
            regenerate(incident=resolved, by=viewer)


def test_an_open_incident_has_no_report_to_regenerate(outage, member, unchanged):
    with unchanged(outage), pytest.raises(Conflict, match="is triggered: a situation report"):
        regenerate(incident=outage, by=member)


def test_only_leads_and_admins_change_the_teams_stakeholders(payments, lead, member, admin,
                                                            unchanged, outage):  # fmt: skip
    assert not may_manage_team(payments, member)
    with unchanged(outage), pytest.raises(PermissionDenied, match="lead of Payments"):
        add_team_stakeholder(team=payments, by=member, email="cfo@example.com")

    added = add_team_stakeholder(team=payments, by=lead, email="CFO@Example.com")
    assert (added.email, added.team, added.added_by) == ("cfo@example.com", payments, lead)
    with unchanged(outage), pytest.raises(PermissionDenied, match="lead of Payments"):
        remove_stakeholder(stakeholder=added, by=member)
    remove_stakeholder(stakeholder=added, by=admin)
    assert not Stakeholder.objects.exists()


def test_members_add_stakeholders_to_their_incident_and_outsiders_may_not(
    outage, member, outsider, unchanged
):
    with unchanged(outage), pytest.raises(PermissionDenied, match="can add stakeholders"):
        add_incident_stakeholder(
            incident=outage, by=outsider, via=Channel.WEB, email="press@example.org"
        )

    added = add_incident_stakeholder(
        incident=outage, by=member, via=Channel.WEB, email="press@example.org"
    )
    event = outage.timeline.latest("id")
    assert event.message == "press@example.org will get the situation report"
    with unchanged(outage), pytest.raises(PermissionDenied, match="can remove stakeholders"):
        remove_stakeholder(stakeholder=added, by=outsider)
    remove_stakeholder(stakeholder=added, by=member)
    assert outage.timeline.latest("id").message == (
        "press@example.org will no longer get the situation report"
    )
