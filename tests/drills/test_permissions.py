"""Who may do what with drills: admins and the team's leads write scenarios and start, schedule
and cancel drills; the team's members (viewers in it too) and admins read the scenarios, the
drills and their reports; nobody else sees them."""

import pytest
from django.urls import reverse

from tests.support.people import person
from tocsin.accounts.models import InstanceRole, MembershipRole
from tocsin.accounts.permissions import may_manage_drills, may_see_drills
from tocsin.drills.models import DrillRun, Scenario
from tocsin.drills.services import start_drill
from tocsin.errors import PermissionDenied
from tocsin.incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewing_member(payments):
    """A viewer who is a member (even a lead) of Payments."""
    return person(
        "vic@example.com",
        "Vic Viewer",
        team=payments,
        membership=MembershipRole.LEAD,
        role=InstanceRole.VIEWER,
    )


def test_the_answers(payments, lead, member, admin, outsider, viewing_member):
    assert [may_manage_drills(payments, u) for u in (lead, admin, member, outsider)] == [
        True,
        True,
        False,
        False,
    ]
    assert not may_manage_drills(payments, viewing_member)
    assert [may_see_drills(payments, u) for u in (lead, member, viewing_member, admin)] == [
        True
    ] * 4
    assert not may_see_drills(payments, outsider)


def test_a_member_may_not_start_a_drill_nor_write_a_scenario(
    scenario, member, api_as, prometheus, alertmanager_body
):
    with pytest.raises(
        PermissionDenied, match="only an admin or a lead of Payments may start a drill"
    ):
        start_drill(scenario=scenario, by=member)
    api = api_as(member)
    response = api.post(f"/drill-scenarios/{scenario.pk}/start")
    assert response.status_code == 403
    response = api.post(
        "/teams/payments/drill-scenarios",
        {
            "title": "Mine",
            "severity": "P1",
            "integration": prometheus.pk,
            "payload": alertmanager_body,
        },
    )
    assert response.status_code == 403
    assert not DrillRun.objects.exists() and not Incident.objects.exists()
    assert list(Scenario.objects.values_list("title", flat=True)) == ["Checkout 502s"]


def test_a_viewer_who_leads_the_team_only_reads(scenario, viewing_member, api_as):
    api = api_as(viewing_member)
    assert api.post(f"/drill-scenarios/{scenario.pk}/start").status_code == 403
    assert api.get("/teams/payments/drill-scenarios").status_code == 200
    assert not DrillRun.objects.exists()


def test_members_read_the_report_and_outsiders_do_not(
    scenario, policy, lead, member, outsider, admin, api_as, signed_in
):
    run = start_drill(scenario=scenario, by=lead)
    for reader in (member, admin):
        assert api_as(reader).get(f"/drills/{run.pk}").status_code == 200
        assert signed_in(reader).get(reverse("drill-run", args=[run.pk])).status_code == 200
    response = api_as(outsider).get(f"/drills/{run.pk}")
    assert response.status_code == 403
    assert (
        response.json()["error"]["message"]
        == "only members of Payments and admins may see its drills"
    )
    assert api_as(outsider).get("/teams/payments/drills").status_code == 403
    assert api_as(outsider).get("/teams/payments/drill-scenarios").status_code == 403
    assert signed_in(outsider).get(reverse("drill-list", args=["payments"])).status_code == 403


def test_a_member_may_not_cancel_a_drill(scenario, policy, lead, member, api_as, signed_in):
    run = start_drill(scenario=scenario, by=lead)
    assert api_as(member).post(f"/drills/{run.pk}/cancel").status_code == 403
    assert signed_in(member).post(reverse("drill-run-cancel", args=[run.pk])).status_code == 403
    run.refresh_from_db()
    assert run.status == "running"


def test_an_admin_starts_a_drill(scenario, policy, admin, api_as):
    response = api_as(admin).post(f"/drill-scenarios/{scenario.pk}/start")
    assert response.status_code == 201, response.content
    assert response.json()["started_by"] == "Ada Admin"


def test_the_page_offers_the_buttons_only_to_who_may_use_them(scenario, lead, member, signed_in):
    url = reverse("drill-list", args=["payments"])
    as_lead = signed_in(lead).get(url).content.decode()
    assert "Start drill now" in as_lead and "Schedule" in as_lead and "New scenario" in as_lead
    as_member = signed_in(member).get(url).content.decode()
    assert "Checkout 502s" in as_member
    assert "Start drill now" not in as_member and "New scenario" not in as_member
    assert (
        signed_in(member).post(reverse("drill-scenario-start", args=[scenario.pk])).status_code
        == 403
    )
    assert (
        signed_in(member).get(reverse("drill-scenario-create", args=["payments"])).status_code
        == 403
    )
