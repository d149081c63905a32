"""The status page's REST API under /api/v1/status/: the same services as the web, with
4xx JSON errors naming the problem."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tocsin.alerting.models import MaintenanceWindow
from tocsin.incidents.models import Event
from tocsin.statuspage.models import ComponentStatus, PublicIncident


def test_an_admin_sets_up_components_in_groups(api_as, admin, page, checkout, rerendered):
    api = api_as(admin)
    group = api.post("/status/groups", {"name": "Payments"})
    assert group.status_code == 201, group.json()
    created = api.post(
        "/status/components",
        {"name": "Checkout", "group": group.json()["code"], "services": ["checkout"]},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["group"] == {"code": group.json()["code"], "name": "Payments"}
    assert body["services"] == [{"slug": "checkout", "name": "Checkout"}]
    assert body["status"] == "operational" and body["page"] == "public"
    listed = api.get("/status/components").json()
    assert [c["name"] for c in listed] == ["Checkout"]
    assert api.get("/status/groups").json()[0]["components"] == [body["code"]]


def test_setting_a_status_and_the_order(api_as, admin, checkout_component, card_component):
    api = api_as(admin)
    response = api.post(
        f"/status/components/{checkout_component.code}/status", {"status": "major_outage"}
    )
    assert response.status_code == 200 and response.json()["status"] == "major_outage"
    order = api.put(
        "/status/components/order", {"order": [card_component.code, checkout_component.code]}
    )
    assert [c["name"] for c in order.json()] == ["Card processing", "Checkout"]


def test_publishing_updating_and_resolving_an_incident(
    api_as, lead, incident, checkout_component, told
):
    api = api_as(lead)
    published = api.post(
        "/status/incidents",
        {
            "incident": incident.reference,
            "name": "Checkout errors",
            "body": "Some customers cannot pay.",
            "component_statuses": {checkout_component.code: "partial_outage"},
        },
    )
    assert published.status_code == 201, published.json()
    body = published.json()
    assert body["incident"] == incident.reference and body["impact"] == "major"
    assert body["draft"] is False
    assert body["url"].endswith(f"/status/incidents/{body['code']}")
    assert body["components"] == [
        {"code": checkout_component.code, "name": "Checkout", "status": "partial_outage"}
    ]
    assert incident.timeline.get(kind=Event.PUBLIC_UPDATE).via == "api"

    again = api.post(
        "/status/incidents",
        {"incident": incident.reference, "name": "Again", "body": "Again"},
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_published"
    assert body["code"] in again.json()["error"]["message"]

    update = api.post(
        f"/status/incidents/{body['code']}/updates",
        {"status": "identified", "body": "Found it.", "component_statuses": {}},
    )
    assert update.status_code == 201 and update.json()["status"] == "identified"
    resolved = api.post(f"/status/incidents/{body['code']}/resolve", {"body": "Fixed."})
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["components"][0]["status"] == "operational"
    assert [u["status"] for u in resolved.json()["updates"]] == [
        "resolved",
        "identified",
        "investigating",
    ]


def test_a_draft_is_listed_and_published_later(api_as, lead, viewer, incident, checkout_component):
    api = api_as(lead)
    draft = api.post(
        "/status/incidents",
        {
            "incident": incident.reference,
            "name": "Checkout errors",
            "body": "Draft",
            "draft": True,
            "component_statuses": {checkout_component.code: "major_outage"},
        },
    ).json()
    assert draft["draft"] is True
    assert [i["code"] for i in api_as(viewer).get("/status/incidents").json()] == [draft["code"]]
    refused = api_as(viewer).post(f"/status/incidents/{draft['code']}/publish")
    assert refused.status_code == 403
    published = api.post(f"/status/incidents/{draft['code']}/publish")
    assert published.json()["draft"] is False
    assert published.json()["components"][0]["status"] == "major_outage"


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"name": ""}, 422, "name"),
        ({"status": "fixed"}, 422, "status"),
        ({"component_statuses": {"nope": "major_outage"}}, 422, "component_statuses"),
        ({"incident": "INC-999"}, 404, None),
        ({"page": "nope"}, 422, "page"),
        ({"colour": "red"}, 422, "colour"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_problem_and_publishes_nothing(
    api_as, lead, incident, checkout_component, change, status, field
):
    body = {"incident": incident.reference, "name": "X", "body": "Y", **change}
    response = api_as(lead).post("/status/incidents", body)
    assert response.status_code == status, response.json()
    assert response.json()["error"]["field"] == field
    assert not PublicIncident.objects.exists()


def test_a_backdated_update_is_taken_and_a_future_one_refused(
    api_as, lead, incident, checkout_component
):
    api = api_as(lead)
    earlier = (timezone.now() - timedelta(hours=1)).isoformat()
    published = api.post(
        "/status/incidents",
        {"incident": incident.reference, "name": "X", "body": "Y", "display_at": earlier},
    )
    assert published.status_code == 201
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    refused = api.post(
        f"/status/incidents/{published.json()['code']}/updates",
        {"status": "monitoring", "body": "Z", "display_at": later},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "display_at"


def test_viewers_read_but_change_nothing(api_as, viewer, checkout_component):
    api = api_as(viewer)
    assert api.get(f"/status/components/{checkout_component.code}").status_code == 200
    refused = api.patch(f"/status/components/{checkout_component.code}", {"name": "Mine"})
    assert refused.status_code == 403
    assert (
        "viewer" in refused.json()["error"]["message"]
        or "only" in refused.json()["error"]["message"]
    )
    checkout_component.refresh_from_db()
    assert checkout_component.name == "Checkout"


def test_unknown_codes_are_404(api_as, admin):
    api = api_as(admin)
    for path in ("/status/components/nope", "/status/incidents/nope", "/status/maintenances/nope"):
        response = api.get(path)
        assert response.status_code == 404 and "nope" in response.json()["error"]["message"]


def test_scheduling_a_maintenance_makes_its_windows(api_as, admin, card_component, card_processing):
    api = api_as(admin)
    start = timezone.now() + timedelta(days=1)
    response = api.post(
        "/status/maintenances",
        {
            "name": "Card processor upgrade",
            "scheduled_for": start.isoformat(),
            "scheduled_until": (start + timedelta(hours=1)).isoformat(),
            "components": [card_component.code],
            "remind_before_minutes": 60,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "scheduled" and body["remind_before_minutes"] == 60
    [window] = body["windows"]
    assert window["service"]["slug"] == "card-processing"
    assert MaintenanceWindow.objects.get().pk == window["id"]
    moved = api.patch(
        f"/status/maintenances/{body['code']}",
        {"scheduled_until": (start + timedelta(hours=2)).isoformat()},
    )
    assert moved.status_code == 200
    assert MaintenanceWindow.objects.get().ends_at == start + timedelta(hours=2)
    cancelled = api.post(f"/status/maintenances/{body['code']}/cancel", {})
    assert cancelled.json()["cancelled_at"] is not None
    assert not MaintenanceWindow.objects.exists()


def test_a_maintenance_that_would_be_over_is_422(api_as, admin, card_component):
    earlier = timezone.now() - timedelta(hours=2)
    response = api_as(admin).post(
        "/status/maintenances",
        {
            "name": "Old",
            "scheduled_for": earlier.isoformat(),
            "scheduled_until": (earlier + timedelta(hours=1)).isoformat(),
            "components": [card_component.code],
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "scheduled_until"


def test_the_proposed_statuses_are_an_admins_table(api_as, admin, lead, severities):
    table = api_as(admin).get("/status/proposed-statuses").json()
    assert table[:4] == [
        {"severity": "P1", "status": "major_outage"},
        {"severity": "P2", "status": "partial_outage"},
        {"severity": "P3", "status": "degraded_performance"},
        {"severity": "P4", "status": None},
    ]
    assert (
        api_as(lead)
        .put("/status/proposed-statuses/P4", {"status": "degraded_performance"})
        .status_code
        == 403
    )
    changed = api_as(admin).put("/status/proposed-statuses/P4", {"status": "degraded_performance"})
    assert changed.json() == {"severity": "P4", "status": "degraded_performance"}
    bad = api_as(admin).put("/status/proposed-statuses/P4", {"status": "operational"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"


def test_a_component_status_set_through_the_api_is_in_its_history(
    api_as, admin, checkout_component
):
    api_as(admin).post(
        f"/status/components/{checkout_component.code}/status", {"status": "degraded_performance"}
    )
    assert checkout_component.history.get().status == ComponentStatus.DEGRADED_PERFORMANCE
