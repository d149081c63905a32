"""Who may do what on the status page (tocsin/accounts/permissions/)."""

from tocsin.accounts import permissions
from tocsin.accounts.models import InstanceRole
from tocsin.incidents.models import Role, RoleAssignment
from tocsin.statuspage import services


def test_who_may_publish_an_incident(incident, lead, member, outsider, admin, viewer):
    may = permissions.may_publish_for_incident
    assert may(lead, incident) and may(member, incident) and may(admin, incident)
    assert not may(outsider, incident) and not may(viewer, incident) and not may(None, incident)


def test_a_role_holder_from_another_team_may_publish(incident, outsider):
    RoleAssignment.objects.create(incident=incident, user=outsider, role=Role.COMMUNICATIONS)
    assert permissions.may_publish_for_incident(outsider, incident)


def test_a_viewer_with_a_role_still_may_not(incident, payments):
    from tests.support.people import person

    viewer = person("vic@example.com", "Vic", team=payments, role=InstanceRole.VIEWER)
    assert not permissions.may_publish_for_incident(viewer, incident)


def test_public_updates_follow_the_incident_or_the_components(
    page, incident, lead, member, outsider, checkout_component
):
    linked = services.publish(
        page=page,
        by=member,
        name="Checkout errors",
        status="investigating",
        body="Looking",
        component_statuses={checkout_component: "degraded_performance"},
        incident=incident,
    )
    assert permissions.may_post_public_update(member, linked)
    assert not permissions.may_post_public_update(outsider, linked)
    standalone = services.publish(
        page=page,
        by=lead,
        name="Slow",
        status="investigating",
        body="Looking",
        component_statuses={checkout_component: "degraded_performance"},
    )
    assert permissions.may_post_public_update(lead, standalone)
    assert not permissions.may_post_public_update(member, standalone)


def test_who_may_edit_a_component(checkout_component, lead, member, admin, viewer, outsider):
    may = permissions.may_edit_component
    assert may(admin, checkout_component) and may(lead, checkout_component)
    assert not any(may(p, checkout_component) for p in (member, viewer, outsider, None))


def test_a_component_of_two_teams_services_is_for_admins(
    checkout_component, api_service, admin, lead
):
    checkout_component.services.add(api_service)
    assert permissions.may_edit_component(admin, checkout_component)
    assert not permissions.may_edit_component(lead, checkout_component)


def test_pages_groups_subscribers_and_proposals_are_for_admins(admin, lead, viewer):
    assert permissions.may_manage_status_pages(admin)
    assert not permissions.may_manage_status_pages(lead)
    assert not permissions.may_manage_status_pages(viewer)


def test_everyone_signed_in_sees_drafts_viewers_included(viewer, outsider):
    assert permissions.may_see_status_drafts(viewer) and permissions.may_see_status_drafts(outsider)
    assert not permissions.may_see_status_drafts(None)
    viewer.is_active = False
    assert not permissions.may_see_status_drafts(viewer)
