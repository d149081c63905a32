"""Who may write and edit runbooks: admins, and the leads of the team of every service a
runbook is linked to; everyone signed in reads them."""

import pytest

from tests.support.people import person
from tocsin.accounts.models import MembershipRole
from tocsin.accounts.permissions import may_add_runbooks, may_edit_runbook, may_see_runbooks
from tocsin.errors import PermissionDenied
from tocsin.incidents.models import Service
from tocsin.runbooks.models import Runbook, RunbookVersion
from tocsin.runbooks.services import create_runbook, update_runbook

from .conftest import CHECKOUT_RUNBOOK


@pytest.fixture
def platform_lead(platform):
    return person("pat@example.com", "Pat Lead", team=platform, membership=MembershipRole.LEAD)


@pytest.fixture
def database(platform):
    return Service.objects.create(name="Database", slug="database", team=platform)


def test_the_lead_of_the_linked_services_team_and_admins_edit(checkout_runbook, lead, admin):
    assert may_edit_runbook(lead, checkout_runbook)
    assert may_edit_runbook(admin, checkout_runbook)
    update_runbook(runbook=checkout_runbook, by=lead, body="1. Roll back")
    update_runbook(runbook=checkout_runbook, by=admin, body="1. Roll back now")
    assert checkout_runbook.versions.count() == 3


@pytest.mark.parametrize("who", ["member", "outsider", "viewer", "platform_lead"])
def test_others_may_read_but_not_edit(request, checkout_runbook, who):
    user = request.getfixturevalue(who)
    assert may_see_runbooks(user)
    assert not may_edit_runbook(user, checkout_runbook)
    with pytest.raises(PermissionDenied, match="only an admin, or a lead of the team of every"):
        update_runbook(runbook=checkout_runbook, by=user, body="1. Panic")
    checkout_runbook.refresh_from_db()
    assert checkout_runbook.body == CHECKOUT_RUNBOOK.strip()
    assert checkout_runbook.versions.count() == 1


def test_a_viewer_who_leads_the_team_still_only_reads(checkout_runbook, viewer, payments):
    payments.memberships.create(user=viewer, role=MembershipRole.LEAD)
    assert not may_edit_runbook(viewer, checkout_runbook)
    with pytest.raises(
        PermissionDenied, match="Vera Viewer is a viewer and may not change anything"
    ):
        update_runbook(runbook=checkout_runbook, by=viewer, body="1. Panic")
    assert checkout_runbook.versions.count() == 1


def test_a_lead_cannot_link_another_teams_service_nor_take_a_shared_runbook(
    checkout_runbook, lead, database, platform_lead
):
    with pytest.raises(PermissionDenied, match="every service"):
        update_runbook(runbook=checkout_runbook, by=lead, services=[database])
    assert list(checkout_runbook.services.all()) == [checkout_runbook.services.get()]
    with pytest.raises(PermissionDenied):
        create_runbook(name="Database", body="1. Vacuum", services=[database], by=lead)
    assert Runbook.objects.count() == 1
    assert not may_add_runbooks(person("m@example.com", "M", team=database.team))
    assert may_add_runbooks(platform_lead)


def test_a_runbook_linked_to_no_service_is_for_admins(lead, admin):
    with pytest.raises(PermissionDenied, match="only an admin"):
        create_runbook(name="Anything", body="1. x", by=lead)
    assert not RunbookVersion.objects.exists()
    runbook = create_runbook(name="Anything", body="1. x", by=admin)
    assert not may_edit_runbook(lead, runbook)
