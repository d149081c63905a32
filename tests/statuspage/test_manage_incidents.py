"""Public incidents on the web: published on their own, updated with component statuses,
resolved, renamed, drafts published; bad input is a form error and changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tocsin.statuspage import services
from tocsin.statuspage.models import IncidentUpdate, PublicIncident


@pytest.fixture
def outage(page, admin, checkout_component, told, rerendered):
    """A standalone public incident: Checkout in a partial outage."""
    return services.publish(
        page=page,
        by=admin,
        name="Payment provider outage",
        status="investigating",
        body="Investigating: some customers cannot pay.",
        component_statuses={checkout_component: "partial_outage"},
    )


def test_an_admin_publishes_a_standalone_incident_with_component_statuses(
    signed_in, admin, page, checkout_component, card_component, told, rerendered
):
    response = signed_in(admin).post(
        "/statuspage/incidents/new/",
        {
            "name": "Payment provider outage",
            "status": "investigating",
            f"component-{checkout_component.code}": "partial_outage",
            f"component-{card_component.code}": "",
            "body": "Investigating: some customers cannot pay.",
            "notify": "on",
        },
    )
    public_incident = PublicIncident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/statuspage/incidents/{public_incident.code}/"
    assert public_incident.published_at is not None and public_incident.incident is None
    assert list(public_incident.components.all()) == [checkout_component]
    checkout_component.refresh_from_db()
    card_component.refresh_from_db()
    assert checkout_component.status == "partial_outage"
    assert card_component.status == "operational"
    assert rerendered == ["public"]


@pytest.mark.parametrize(
    "data, error",
    [
        ({"body": ""}, "This field is required"),
        ({"name": ""}, "This field is required"),
        ({"status": "resolved"}, "Select a valid choice"),
        ({"component": "under_maintenance"}, "Select a valid choice"),
        ({"impact_override": "apocalyptic"}, "Select a valid choice"),
        ({"body": "\x00"}, "Null characters are not allowed"),
    ],
)
def test_a_bad_publication_is_a_form_error_and_publishes_nothing(
    signed_in, admin, checkout_component, told, rerendered, data, error
):
    form = {
        "name": "Payment provider outage",
        "status": "investigating",
        f"component-{checkout_component.code}": data.pop("component", "partial_outage"),
        "body": "Investigating.",
        **data,
    }
    response = signed_in(admin).post("/statuspage/incidents/new/", form)
    assert response.status_code == 422
    assert error in response.content.decode()
    assert not PublicIncident.objects.exists()
    checkout_component.refresh_from_db()
    assert checkout_component.status == "operational"
    assert told.updates == [] and rerendered == []


def test_the_detail_shows_its_updates_sanitised(signed_in, viewer, outage, admin):
    services.post_update(
        public_incident=outage,
        by=admin,
        status="identified",
        body="**Found** it <script>alert(1)</script>",
    )
    html = signed_in(viewer).get(f"/statuspage/incidents/{outage.code}/").content.decode()
    assert "<strong>Found</strong>" in html
    assert "<script>alert(1)" not in html
    assert "Investigating: some customers cannot pay." in html


def test_an_update_changes_the_status_and_component_statuses(
    signed_in, admin, outage, checkout_component, card_component
):
    response = signed_in(admin).post(
        f"/statuspage/incidents/{outage.code}/update/",
        {
            "status": "identified",
            "body": "Identified: the provider's certificate expired.",
            f"component-{checkout_component.code}": "",
            f"component-{card_component.code}": "degraded_performance",
            "notify": "on",
        },
    )
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.status == "identified"
    update = outage.updates.order_by("-display_at", "-id").first()
    assert update.body.startswith("Identified")
    assert update.affected_components == [
        {
            "code": card_component.code,
            "name": "Card processing",
            "old_status": "operational",
            "new_status": "degraded_performance",
        }
    ]
    checkout_component.refresh_from_db()
    assert checkout_component.status == "partial_outage"  # "unchanged" left it


def test_an_update_may_be_backdated_in_the_viewers_zone(signed_in, admin, outage, traveller):
    admin.time_zone = "Europe/Berlin"
    admin.save()
    written = timezone.localtime(timezone.now() - timedelta(hours=1), timezone=admin_zone())
    response = signed_in(admin).post(
        f"/statuspage/incidents/{outage.code}/update/",
        {
            "status": "identified",
            "body": "Identified an hour ago.",
            "display_at": written.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    update = IncidentUpdate.objects.get(body="Identified an hour ago.")
    assert update.display_at == written.replace(second=0, microsecond=0)


def admin_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Berlin")


def test_an_update_dated_ahead_is_a_form_error_and_changes_nothing(signed_in, admin, outage, told):
    ahead = timezone.localtime(timezone.now() + timedelta(days=1))
    response = signed_in(admin).post(
        f"/statuspage/incidents/{outage.code}/update/",
        {
            "status": "monitoring",
            "body": "From tomorrow.",
            "display_at": ahead.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 422
    assert "in the future" in response.content.decode()
    outage.refresh_from_db()
    assert outage.status == "investigating"
    assert outage.updates.count() == 1
    assert len(told.updates) == 1  # the first one only


def test_resolving_sets_the_components_back(signed_in, admin, outage, checkout_component):
    response = signed_in(admin).post(
        f"/statuspage/incidents/{outage.code}/resolve/",
        {"body": "Resolved: the provider renewed its certificate.", "restore_components": "on"},
    )
    assert response.status_code == 302
    outage.refresh_from_db()
    checkout_component.refresh_from_db()
    assert outage.status == "resolved"
    assert checkout_component.status == "operational"


def test_resolving_without_a_text_is_a_form_error(signed_in, admin, outage, checkout_component):
    response = signed_in(admin).post(
        f"/statuspage/incidents/{outage.code}/resolve/", {"body": "", "restore_components": "on"}
    )
    assert response.status_code == 422
    outage.refresh_from_db()
    checkout_component.refresh_from_db()
    assert outage.status == "investigating"
    assert checkout_component.status == "partial_outage"


def test_resolving_twice_is_a_form_error(signed_in, admin, outage):
    client = signed_in(admin)
    client.post(f"/statuspage/incidents/{outage.code}/resolve/", {"body": "Fixed."})
    response = client.post(f"/statuspage/incidents/{outage.code}/resolve/", {"body": "Again."})
    assert response.status_code == 422
    assert "already resolved" in response.content.decode()
    assert outage.updates.count() == 2


def test_the_name_and_impact_are_edited(signed_in, admin, outage):
    response = signed_in(admin).post(
        f"/statuspage/incidents/{outage.code}/edit/",
        {"name": "Card payments failing", "impact_override": "critical"},
    )
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.name == "Card payments failing" and outage.impact_override == "critical"
    response = signed_in(admin).post(
        f"/statuspage/incidents/{outage.code}/edit/", {"name": "", "impact_override": ""}
    )
    assert response.status_code == 422
    outage.refresh_from_db()
    assert outage.name == "Card payments failing" and outage.impact_override == "critical"


def test_a_draft_is_published_with_its_component_statuses(
    signed_in, admin, page, checkout_component, told, rerendered
):
    client = signed_in(admin)
    client.post(
        "/statuspage/incidents/new/",
        {
            "name": "Slow checkout",
            "status": "investigating",
            f"component-{checkout_component.code}": "degraded_performance",
            "body": "Investigating slow payments.",
            "draft": "on",
            "notify": "on",
        },
    )
    draft = PublicIncident.objects.get()
    checkout_component.refresh_from_db()
    assert draft.published_at is None and checkout_component.status == "operational"
    overview = client.get("/statuspage/").content.decode()
    assert "Slow checkout" in overview and "Draft" in overview
    assert told.updates == [] and rerendered == []

    response = client.post(f"/statuspage/incidents/{draft.code}/publish/")
    assert response.status_code == 302
    draft.refresh_from_db()
    checkout_component.refresh_from_db()
    assert draft.published_at is not None
    assert checkout_component.status == "degraded_performance"
    assert rerendered == ["public"]
    # Published once: a second click is an error message, nothing more.
    response = client.post(f"/statuspage/incidents/{draft.code}/publish/", follow=True)
    assert "already published" in response.content.decode()


def test_a_public_incident_is_removed(signed_in, admin, outage):
    response = signed_in(admin).post(f"/statuspage/incidents/{outage.code}/delete/")
    assert response.status_code == 302 and response["Location"] == "/statuspage/incidents/"
    assert not PublicIncident.objects.exists()
