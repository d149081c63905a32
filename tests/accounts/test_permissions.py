"""Who may do what: the answers of tocsin.accounts.permissions, and the services that keep them.

Where the copies of a rule used to disagree, the stricter one is the rule; each such case has a
test here that goes through the service (or the page) and checks that nothing changed.

The people: Alice leads Payments, Bob and Erin are members, Carol is in Platform, Ada is an
admin, Vera is a viewer; `viewer_lead` makes Vera a lead of Payments, which changes nothing.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.api import ApiClient, assert_error
from tocsin.accounts import permissions
from tocsin.accounts.models import Membership, MembershipRole
from tocsin.accounts.services import (
    add_contact_method,
    add_member,
    create_api_token,
    remove_member,
)
from tocsin.alerting.services import create_integration, create_rule
from tocsin.errors import PermissionDenied
from tocsin.incidents.models import Channel, Role, Service
from tocsin.incidents.services import acknowledge, assign_role
from tocsin.notify.team_chats.services import add_team_chat
from tocsin.oncall.escalation.services import set_notification_rules
from tocsin.oncall.schedules.services import create_schedule
from tocsin.webhooks.models import Webhook
from tocsin.webhooks.services import create_webhook

PEOPLE = ["admin", "lead", "member", "outsider", "viewer"]


@pytest.fixture
def viewer_lead(viewer, payments):
    """Vera, a viewer, named lead of Payments: being a lead does not let a viewer change things."""
    Membership.objects.create(team=payments, user=viewer, role=MembershipRole.LEAD)
    return viewer


@pytest.fixture
def inactive_lead(lead):
    """Alice after her account was switched off: still a lead on paper."""
    lead.is_active = False
    lead.save(update_fields=["is_active"])
    return lead


def person(request, name):
    return request.getfixturevalue(name)


def memberships():
    return sorted(Membership.objects.values_list("team__slug", "user__email", "role"))


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> ApiClient:
    return ApiClient(create_api_token(user=user, name="tests")[1])


# --- Read-only people --------------------------------------------------------------------------


def test_viewers_and_inactive_people_only_read(admin, lead, member, viewer, inactive_lead):
    assert permissions.is_read_only(viewer)
    assert permissions.is_read_only(inactive_lead)
    assert permissions.is_read_only(None)
    assert not permissions.is_read_only(member)
    assert not permissions.is_read_only(admin)


def test_a_superuser_is_never_read_only_whatever_their_role(viewer):
    viewer.is_superuser = True
    assert not permissions.is_read_only(viewer)
    assert permissions.may_administer(viewer)


def test_a_viewer_is_told_they_only_read(viewer):
    with pytest.raises(PermissionDenied, match="Vera Viewer is a viewer and may not change"):
        permissions.ensure_can_write(viewer)


# --- Managing a team ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "manages"),
    [("admin", True), ("lead", True), ("member", False), ("outsider", False), ("viewer", False)],
)
def test_admins_and_the_teams_leads_manage_it(request, payments, who, manages):
    assert permissions.may_manage_team(payments, person(request, who)) is manages


def test_a_lead_manages_only_their_own_team(payments, platform, lead):
    assert permissions.may_manage_team(payments, lead)
    assert not permissions.may_manage_team(platform, lead)
    with pytest.raises(PermissionDenied, match="only an admin or a lead of Platform"):
        create_schedule(team=platform, name="Primary", time_zone="UTC", by=lead)


def test_a_viewer_who_leads_a_team_does_not_manage_it(payments, viewer_lead):
    assert not permissions.may_manage_team(payments, viewer_lead)
    assert not permissions.teams_managed_by(viewer_lead).exists()


def test_an_inactive_lead_does_not_manage_their_team(payments, inactive_lead):
    assert not permissions.may_manage_team(payments, inactive_lead)


@pytest.mark.parametrize("who", [*PEOPLE, "viewer_lead"])
def test_the_teams_a_person_manages_are_exactly_those_they_may_manage(
    request, payments, platform, who
):
    user = person(request, who)
    may_manage = {team for team in (payments, platform) if permissions.may_manage_team(team, user)}
    assert set(permissions.teams_managed_by(user)) == may_manage


def test_an_admin_manages_every_team_and_a_lead_their_own(admin, lead, payments, platform):
    assert list(permissions.teams_managed_by(admin)) == [payments, platform]
    assert list(permissions.teams_managed_by(lead)) == [payments]


def test_a_viewer_who_leads_a_team_cannot_add_members(payments, viewer_lead, outsider):
    before = memberships()
    with pytest.raises(PermissionDenied, match="viewer"):
        add_member(team=payments, user=outsider, by=viewer_lead)
    assert memberships() == before


def test_a_viewer_who_leads_a_team_cannot_remove_members(payments, viewer_lead, member):
    before = memberships()
    with pytest.raises(PermissionDenied, match="viewer"):
        remove_member(team=payments, user=member, by=viewer_lead)
    assert memberships() == before


def test_an_inactive_lead_cannot_add_members(payments, inactive_lead, outsider):
    before = memberships()
    with pytest.raises(PermissionDenied, match="may not change anything"):
        add_member(team=payments, user=outsider, by=inactive_lead)
    assert memberships() == before


def test_a_lead_adds_members_to_their_own_team_only(payments, platform, lead, outsider, member):
    add_member(team=payments, user=outsider, by=lead)
    with pytest.raises(PermissionDenied, match="only an admin or a lead of Platform may add"):
        add_member(team=platform, user=member, by=lead)
    assert not platform.members.filter(pk=member.pk).exists()


def test_an_admin_adds_members_to_any_team(platform, admin, member):
    add_member(team=platform, user=member, by=admin)
    assert platform.members.filter(pk=member.pk).exists()


def test_a_viewer_who_leads_a_team_changes_none_of_its_set_up(payments, viewer_lead):
    for change in (
        lambda: create_schedule(team=payments, name="Primary", time_zone="UTC", by=viewer_lead),
        lambda: add_team_chat(team=payments, kind="telegram", chat_id="-100123", by=viewer_lead),
        lambda: create_integration(kind="generic", name="Mine", team=payments, by=viewer_lead),
        lambda: create_rule(by=viewer_lead, name="Mine", matchers=[], team=payments),
    ):
        with pytest.raises(PermissionDenied, match="Vera Viewer is a viewer"):
            change()
    assert not payments.schedules.exists() and not payments.chats.exists()
    assert not payments.integrations.exists()


# --- Webhooks ----------------------------------------------------------------------------------


def test_a_viewer_who_leads_a_team_cannot_create_a_webhook_for_it(payments, viewer_lead):
    assert not permissions.may_manage_webhooks(payments, viewer_lead)
    with pytest.raises(PermissionDenied, match="viewer"):
        create_webhook(team=payments, name="Mine", url="https://example.com/h", by=viewer_lead)
    assert not Webhook.objects.exists()


def test_a_viewer_who_leads_a_team_does_not_see_its_webhooks(payments, lead, viewer_lead):
    webhook = create_webhook(team=payments, name="Bot", url="https://example.com/h", by=lead)

    assert not permissions.may_see_secrets(team=payments, user=viewer_lead)
    assert api(viewer_lead).get("/webhooks").json() == []
    assert_error(api(viewer_lead).get(f"/webhooks/{webhook.pk}"), 403, "permission_denied")
    page = web(viewer_lead).get(reverse("webhook-detail", args=[webhook.pk]), follow=True)
    assert webhook.url not in page.content.decode()
    assert webhook.secret not in page.content.decode()


def test_only_admins_manage_instance_wide_webhooks(lead, admin):
    assert not permissions.may_manage_webhooks(None, lead)
    with pytest.raises(PermissionDenied, match="only an admin may manage instance-wide webhooks"):
        create_webhook(team=None, name="Everything", url="https://example.com/h", by=lead)
    assert create_webhook(team=None, name="Everything", url="https://example.com/h", by=admin)


def test_an_admin_may_create_a_webhook_for_any_team_a_lead_for_their_own(
    payments, platform, admin, lead
):
    assert create_webhook(team=platform, name="Bot", url="https://example.com/h", by=admin)
    assert create_webhook(team=payments, name="Bot", url="https://example.com/h", by=lead)
    with pytest.raises(PermissionDenied, match="only an admin or a lead of Platform"):
        create_webhook(team=platform, name="Mine", url="https://example.com/h", by=lead)


# --- Routing rules -----------------------------------------------------------------------------


def test_rules_for_no_team_are_for_admins_and_a_lead_routes_only_their_team(
    payments, platform, admin, lead
):
    assert permissions.may_manage_routing_rules(None, admin)
    assert not permissions.may_manage_routing_rules(None, lead)
    assert permissions.may_manage_routing_rules(payments, lead)
    assert not permissions.may_manage_routing_rules(platform, lead)


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("admin", True),
        ("lead", True),
        ("member", False),
        ("outsider", False),
        ("viewer", False),
        ("viewer_lead", False),
    ],
)
def test_admins_and_leads_of_a_team_may_write_routing_rules(request, who, may):
    user = request.getfixturevalue(who)
    assert permissions.may_write_routing_rules(user) is may
    if may:
        permissions.ensure_may_write_routing_rules(user)
    else:
        with pytest.raises(PermissionDenied):
            permissions.ensure_may_write_routing_rules(user)


def test_a_lead_sends_their_teams_alerts_only_to_their_teams_services(
    payments, platform, admin, lead, viewer_lead, checkout
):
    postgres = Service.objects.create(name="PostgreSQL primary", slug="postgres", team=platform)
    assert permissions.may_route_to_service(checkout, team=payments, user=lead)
    assert permissions.may_route_to_service(None, team=payments, user=lead)
    assert not permissions.may_route_to_service(postgres, team=payments, user=lead)
    assert not permissions.may_route_to_service(checkout, team=payments, user=viewer_lead)
    assert permissions.may_route_to_service(postgres, team=payments, user=admin)
    permissions.ensure_may_route_to_service(postgres, team=payments, by=admin)
    with pytest.raises(PermissionDenied, match="PostgreSQL primary is a service of Platform") as e:
        permissions.ensure_may_route_to_service(postgres, team=payments, by=lead)
    assert e.value.field == "service"


# --- Secrets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("admin", True),
        ("lead", True),
        ("member", False),
        ("outsider", False),
        ("viewer", False),
        ("viewer_lead", False),
    ],
)
def test_a_teams_secrets_are_for_those_who_manage_it(request, payments, who, sees):
    assert permissions.may_see_secrets(team=payments, user=person(request, who)) is sees


def test_instance_wide_secrets_are_for_admins(admin, lead):
    assert permissions.may_see_secrets(team=None, user=admin)
    assert not permissions.may_see_secrets(team=None, user=lead)


def test_a_lead_sees_the_token_of_their_integrations_and_a_member_does_not(payments, lead, member):
    integration = create_integration(kind="generic", name="Scripts", team=payments, by=lead)
    page = reverse("integration-detail", args=[integration.pk])

    assert integration.token in web(lead).get(page).content.decode()
    assert integration.token not in web(member).get(page).content.decode()


def test_a_person_sees_their_own_contact_addresses_and_admins_anyones(admin, lead, member):
    assert permissions.may_see_contact_methods(member, member)
    assert permissions.may_see_contact_methods(member, admin)
    assert not permissions.may_see_contact_methods(member, lead)


def test_a_lead_does_not_see_a_members_contact_addresses(lead, member):
    response = api(lead).get(f"/users/{member.email}/notification-rules")

    assert_error(response, 403, "permission_denied")
    assert member.email not in response.content.decode()


# --- Notification rules and contact methods ----------------------------------------------------


def test_a_person_changes_their_own_notification_rules_and_an_admin_anyones(
    admin, lead, member, viewer
):
    assert permissions.may_change_notification_settings(member, member)
    assert permissions.may_change_notification_settings(member, admin)
    assert not permissions.may_change_notification_settings(member, lead)
    # As today: a viewer keeps their own rules, so that Tocsin can still reach them.
    assert permissions.may_change_notification_settings(viewer, viewer)


def test_a_lead_cannot_change_a_members_notification_rules(lead, member):
    with pytest.raises(PermissionDenied, match="only Bob Okafor and admins"):
        set_notification_rules(user=member, rules=[], by=lead)


def test_a_lead_cannot_add_a_contact_method_for_a_member_and_an_admin_can(admin, lead, member):
    with pytest.raises(PermissionDenied, match="Bob Okafor's contact methods"):
        add_contact_method(user=member, kind="email", address="bob@home.example", by=lead)
    assert not member.contact_methods.filter(address="bob@home.example").exists()

    add_contact_method(user=member, kind="email", address="bob@home.example", by=admin)
    assert member.contact_methods.filter(address="bob@home.example").exists()


# --- Working an incident -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "may"),
    [("member", True), ("lead", True), ("admin", False), ("outsider", False), ("viewer", False)],
)
def test_only_members_of_the_incidents_team_may_acknowledge(request, incident, who, may):
    assert permissions.may_acknowledge(incident, person(request, who)) is may


def test_a_viewer_who_is_a_member_cannot_acknowledge(incident, payments, viewer):
    Membership.objects.create(team=payments, user=viewer)
    with pytest.raises(PermissionDenied, match="viewer"):
        acknowledge(incident=incident, by=viewer, via=Channel.WEB)
    incident.refresh_from_db()
    assert incident.acknowledged_by is None


@pytest.mark.parametrize(
    ("who", "may"),
    [("member", True), ("admin", True), ("outsider", False), ("viewer", False)],
)
def test_members_and_admins_work_an_incident(request, incident, who, may):
    assert permissions.may_work_incident(incident, person(request, who)) is may


def test_someone_with_a_role_on_the_incident_may_work_it(incident, lead, outsider):
    assign_role(incident=incident, user=outsider, role=Role.RESPONDER, by=lead, via=Channel.WEB)
    assert permissions.may_work_incident(incident, outsider)
    assert not permissions.may_manage_incident(incident, outsider)


@pytest.mark.parametrize(
    ("who", "may"),
    [("lead", True), ("admin", True), ("member", False), ("outsider", False), ("viewer", False)],
)
def test_the_commander_a_lead_or_an_admin_manages_an_incident(request, incident, who, may):
    # The lead declared the incident, so she is also its commander.
    assert permissions.may_manage_incident(incident, person(request, who)) is may


def test_a_viewer_cannot_hold_a_role(member, viewer, inactive_lead):
    assert permissions.may_hold_incident_role(member)
    assert not permissions.may_hold_incident_role(viewer)
    assert not permissions.may_hold_incident_role(inactive_lead)


# --- Schedules ---------------------------------------------------------------------------------


@pytest.fixture
def primary(payments, lead):
    return create_schedule(team=payments, name="Primary", time_zone="UTC", by=lead)


def test_who_may_be_put_on_call_by_whom(primary, payments, admin, lead, member, outsider, viewer):
    team_members = {lead, member}
    assert set(permissions.override_candidates(payments, admin)) == team_members
    assert set(permissions.override_candidates(payments, lead)) == team_members
    assert list(permissions.override_candidates(payments, member)) == [member]
    assert not permissions.override_candidates(payments, outsider).exists()
    assert not permissions.override_candidates(payments, viewer).exists()


def test_someone_outside_the_team_is_not_offered_an_override(primary, outsider):
    page = web(outsider).get(reverse("schedule-detail", args=[primary.pk])).content.decode()

    assert "Add an override" not in page


def test_the_calendar_address_is_for_admins_and_the_teams_members(
    payments, admin, member, outsider, viewer
):
    assert permissions.may_see_schedule_calendar(payments, admin)
    assert permissions.may_see_schedule_calendar(payments, member)
    assert not permissions.may_see_schedule_calendar(payments, outsider)
    assert not permissions.may_see_schedule_calendar(payments, viewer)
