"""Components and groups: set up by admins and by leads for their teams' services, ordered,
their status set by hand and written into their history."""

import pytest

from tocsin.errors import PermissionDenied, ValidationFailed
from tocsin.statuspage import services
from tocsin.statuspage.models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    ComponentStatusChange,
)


def test_an_admin_sets_up_groups_and_components_in_order(
    page, admin, checkout, card_processing, api_service, rerendered
):
    payments = services.create_group(page=page, name="Payments", by=admin)
    platform = services.create_group(page=page, name="Platform", by=admin)
    checkout_c = services.create_component(
        page=page, name="Checkout", group=payments, services=[checkout], by=admin
    )
    card = services.create_component(
        page=page, name="Card processing", group=payments, services=[card_processing], by=admin
    )
    api = services.create_component(
        page=page, name="API", group=platform, services=[api_service], by=admin
    )
    assert [g.position for g in (payments, platform)] == [0, 1]
    assert [c.position for c in (checkout_c, card, api)] == [0, 1, 0]
    assert checkout_c.status == ComponentStatus.OPERATIONAL
    assert list(checkout_c.services.all()) == [checkout]
    assert rerendered.count("public") == 5
    services.reorder(page=page, order=[card.code, checkout_c.code], by=admin)
    assert list(page.components.filter(group=payments).order_by("position")) == [card, checkout_c]


def test_a_lead_adds_and_edits_components_of_their_teams_services_only(
    page, lead, checkout, api_service
):
    mine = services.create_component(page=page, name="Checkout", services=[checkout], by=lead)
    services.update_component(component=mine, by=lead, description="Paying for an order")
    with pytest.raises(PermissionDenied, match="only an admin, or a lead"):
        services.create_component(page=page, name="API", services=[api_service], by=lead)
    with pytest.raises(PermissionDenied, match="only an admin, or a lead"):
        services.update_component(component=mine, by=lead, services=[checkout, api_service])
    with pytest.raises(PermissionDenied, match="linked to no service"):
        services.create_component(page=page, name="Everything", by=lead)
    assert list(mine.services.all()) == [checkout]
    assert Component.objects.count() == 1


def test_members_outsiders_and_viewers_change_nothing(
    checkout_component, member, outsider, viewer, payments_group, page
):
    for person in (member, outsider, viewer):
        with pytest.raises(PermissionDenied):
            services.update_component(component=checkout_component, by=person, name="X")
        with pytest.raises(PermissionDenied):
            services.set_component_status(
                component=checkout_component, status="major_outage", by=person
            )
        with pytest.raises(PermissionDenied, match="only an admin"):
            services.create_group(page=page, name="Mine", by=person)
    checkout_component.refresh_from_db()
    assert checkout_component.name == "Checkout"
    assert checkout_component.status == ComponentStatus.OPERATIONAL
    assert ComponentGroup.objects.count() == 1


def test_setting_a_status_by_hand_writes_the_history_once(checkout_component, lead, rerendered):
    services.set_component_status(
        component=checkout_component, status="degraded_performance", by=lead
    )
    services.set_component_status(
        component=checkout_component, status="degraded_performance", by=lead
    )
    checkout_component.refresh_from_db()
    assert checkout_component.status == ComponentStatus.DEGRADED_PERFORMANCE
    [change] = ComponentStatusChange.objects.filter(component=checkout_component)
    assert change.status == "degraded_performance" and change.by == lead
    assert change.incident is None and change.maintenance is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "Card processing"}, "name"),
        ({"position": -1}, "position"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"visible": "yes"}, "visible"),
        ({"colour": "red"}, "colour"),
        ({"automatic": True, "automatic_message": ""}, "automatic_message"),
    ],
)
def test_bad_changes_name_the_field_and_change_nothing(
    checkout_component, card_component, admin, fields, field
):
    with pytest.raises(ValidationFailed) as refused:
        services.update_component(component=checkout_component, by=admin, **fields)
    assert refused.value.field == field
    checkout_component.refresh_from_db()
    assert checkout_component.name == "Checkout" and checkout_component.visible


def test_an_unknown_status_is_refused(checkout_component, admin):
    with pytest.raises(ValidationFailed, match="unknown component status 'broken'"):
        services.set_component_status(component=checkout_component, status="broken", by=admin)


def test_a_group_of_another_page_is_refused(checkout_component, admin):
    from tocsin.statuspage.models import Page

    other = Page.objects.create(slug="internal", name="Internal", public=False)
    elsewhere = services.create_group(page=other, name="Elsewhere", by=admin)
    with pytest.raises(ValidationFailed, match="not one of Status's") as refused:
        services.update_component(component=checkout_component, by=admin, group=elsewhere)
    assert refused.value.field == "group"


def test_deleting_a_group_keeps_its_components(payments_group, checkout_component, admin):
    services.delete_group(group=payments_group, by=admin)
    checkout_component.refresh_from_db()
    assert checkout_component.group is None


def test_reordering_names_unknown_codes(page, checkout_component, admin):
    with pytest.raises(ValidationFailed, match="has no component 'nope'") as refused:
        services.reorder(page=page, order=[checkout_component.code, "nope"], by=admin)
    assert refused.value.field == "order"


def test_the_demo_has_the_components_in_groups_an_incident_and_a_maintenance(db):
    from tocsin.demo import load_demo
    from tocsin.statuspage.models import Maintenance, PublicIncident

    assert load_demo()
    groups = {}
    components = Component.objects.select_related("group").order_by("group__position", "position")
    for component in components:
        groups.setdefault(component.group.name, []).append(component.name)
    assert groups == {"Payments": ["Checkout", "Card processing"], "Platform": ["API", "Web"]}
    assert [s.slug for s in Component.objects.get(name="Checkout").services.all()] == ["checkout"]
    public = PublicIncident.objects.get()
    assert public.incident.title == "Card authorisations timing out for some issuers"
    assert Component.objects.get(name="Card processing").status == "partial_outage"
    maintenance = Maintenance.objects.get()
    assert maintenance.status == "scheduled"
    assert [w.service.slug for w in maintenance.windows.all()] == ["card-processing"]
