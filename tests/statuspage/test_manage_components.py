"""Setting up the page on the web: groups and components added, edited, ordered, removed, and
a component's status set by hand; bad input is a form error and changes nothing."""

import pytest

from tests.statuspage.manage_fixtures import post_forms
from tocsin.statuspage import services
from tocsin.statuspage.models import Component, ComponentGroup, ComponentStatusChange


def test_the_overview_shows_components_by_group_with_their_status(
    signed_in, admin, checkout_component, card_component, api_component
):
    services.set_component_status(component=api_component, status="partial_outage", by=admin)
    html = signed_in(admin).get("/statuspage/").content.decode()
    payments, platform = html.index(">Payments<"), html.index(">Platform<")
    assert payments < html.index("Checkout") < html.index("Card processing") < platform
    assert platform < html.index(">API<")
    assert 'class="pill status-pill status-partial_outage">Partial outage' in html
    assert f"/statuspage/components/{api_component.code}/status/" in post_forms(html)


def test_the_nav_links_the_status_page(signed_in, member):
    html = signed_in(member).get("/incidents/").content.decode()
    assert '<a href="/statuspage/">Status page</a>' in html


def test_an_admin_adds_a_group_and_a_component_linked_to_services(
    signed_in, admin, page, checkout, card_processing
):
    client = signed_in(admin)
    response = client.post("/statuspage/groups/new/", {"name": "Payments"})
    assert response.status_code == 302
    group = ComponentGroup.objects.get(page=page, name="Payments")
    response = client.post(
        "/statuspage/components/new/",
        {
            "name": "Checkout",
            "group": group.pk,
            "services": [checkout.pk, card_processing.pk],
            "visible": "on",
            "showcase": "on",
            "only_show_if_degraded": "on",
            "start_date": "2026-01-31",
            "automatic": "on",
            "automatic_message": "We are looking into failed payments.",
        },
    )
    assert response.status_code == 302
    component = Component.objects.get(page=page, name="Checkout")
    assert component.group == group
    assert set(component.services.all()) == {checkout, card_processing}
    assert component.showcase and component.visible and component.only_show_if_degraded
    assert str(component.start_date) == "2026-01-31"
    assert component.automatic and component.automatic_message.startswith("We are looking")


@pytest.mark.parametrize(
    "data, field_error",
    [
        ({"name": ""}, "This field is required"),
        ({"name": "Checkout"}, "already has a component named"),
        ({"name": "New", "start_date": "31/31/2026"}, "Enter a valid date"),
        ({"name": "New", "position": "-1"}, "greater than or equal to 0"),
        ({"name": "New", "services": ["999999"]}, "Select a valid choice"),
        ({"name": "x" * 101}, "at most 100 characters"),
    ],
)
def test_a_bad_component_is_a_form_error_and_nothing_is_added(
    signed_in, admin, checkout_component, checkout, data, field_error
):
    data = {"services": [checkout.pk], **data}
    response = signed_in(admin).post("/statuspage/components/new/", data)
    assert response.status_code == 422
    assert field_error in response.content.decode()
    assert list(Component.objects.values_list("name", flat=True)) == ["Checkout"]


def test_a_bad_group_is_a_form_error_and_nothing_is_added(signed_in, admin, payments_group):
    response = signed_in(admin).post("/statuspage/groups/new/", {"name": "payments"})
    assert response.status_code == 422
    assert "already has a group named" in response.content.decode()
    assert ComponentGroup.objects.count() == 1


def test_a_component_is_edited(signed_in, admin, checkout_component, platform_group, checkout):
    url = f"/statuspage/components/{checkout_component.code}/"
    form = signed_in(admin).get(url)
    assert form.status_code == 200
    assert 'value="Checkout"' in form.content.decode()
    response = signed_in(admin).post(
        url,
        {"name": "Checkout and cart", "group": platform_group.pk, "services": [checkout.pk]},
    )
    assert response.status_code == 302
    checkout_component.refresh_from_db()
    assert checkout_component.name == "Checkout and cart"
    assert checkout_component.group == platform_group
    assert not checkout_component.visible  # an unticked box is off


def test_an_edit_that_is_refused_changes_nothing(
    signed_in, admin, checkout_component, card_component, checkout
):
    response = signed_in(admin).post(
        f"/statuspage/components/{checkout_component.code}/",
        {"name": "Card processing", "services": [checkout.pk], "visible": "on"},
    )
    assert response.status_code == 422
    assert "already has a component named" in response.content.decode()
    checkout_component.refresh_from_db()
    assert checkout_component.name == "Checkout"


def test_components_move_up_and_down_without_javascript(
    signed_in, admin, checkout_component, card_component
):
    client = signed_in(admin)
    response = client.post(
        f"/statuspage/components/{card_component.code}/move/", {"direction": "up"}
    )
    assert response.status_code == 302
    names = [c.name for c in Component.objects.filter(group=card_component.group)]
    assert names == ["Card processing", "Checkout"]
    client.post(f"/statuspage/components/{card_component.code}/move/", {"direction": "down"})
    names = [c.name for c in Component.objects.filter(group=card_component.group)]
    assert names == ["Checkout", "Card processing"]


def test_a_move_without_a_direction_changes_nothing(
    signed_in, admin, checkout_component, card_component
):
    response = signed_in(admin).post(
        f"/statuspage/components/{card_component.code}/move/",
        {"direction": "sideways"},
        follow=True,
    )
    assert "move a component up or down" in response.content.decode()
    assert [c.name for c in Component.objects.all()] == ["Checkout", "Card processing"]


def test_groups_move_and_are_renamed_and_removed(
    signed_in, admin, payments_group, platform_group, checkout_component
):
    client = signed_in(admin)
    client.post(f"/statuspage/groups/{platform_group.code}/move/", {"direction": "up"})
    assert [g.name for g in ComponentGroup.objects.all()] == ["Platform", "Payments"]
    response = client.post(
        f"/statuspage/groups/{payments_group.code}/", {"name": "Payments and billing"}
    )
    assert response.status_code == 302
    payments_group.refresh_from_db()
    assert payments_group.name == "Payments and billing"
    response = client.post(f"/statuspage/groups/{payments_group.code}/delete/")
    assert response.status_code == 302
    assert not ComponentGroup.objects.filter(pk=payments_group.pk).exists()
    checkout_component.refresh_from_db()
    assert checkout_component.group is None  # the component stays


def test_a_component_is_removed(signed_in, admin, checkout_component):
    response = signed_in(admin).post(f"/statuspage/components/{checkout_component.code}/delete/")
    assert response.status_code == 302
    assert not Component.objects.exists()


def test_the_quick_status_change_sets_the_status_and_writes_the_history(
    signed_in, admin, checkout_component
):
    response = signed_in(admin).post(
        f"/statuspage/components/{checkout_component.code}/status/",
        {"status": "degraded_performance", "back": "overview"},
    )
    assert response.status_code == 302 and response["Location"] == "/statuspage/"
    checkout_component.refresh_from_db()
    assert checkout_component.status == "degraded_performance"
    assert ComponentStatusChange.objects.filter(
        component=checkout_component, status="degraded_performance", by=admin
    ).exists()


def test_an_unknown_status_is_refused_and_changes_nothing(signed_in, admin, checkout_component):
    response = signed_in(admin).post(
        f"/statuspage/components/{checkout_component.code}/status/",
        {"status": "on_fire"},
        follow=True,
    )
    assert "choose one of the component statuses" in response.content.decode()
    checkout_component.refresh_from_db()
    assert checkout_component.status == "operational"
    assert not ComponentStatusChange.objects.exists()
