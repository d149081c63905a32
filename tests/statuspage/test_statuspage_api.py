"""The /status/api/v2/ JSON has Statuspage's field names, types and value sets."""

import re
from datetime import timedelta

import pytest
import time_machine

from tocsin.statuspage import services
from tocsin.statuspage.models import Component, ComponentGroup, Page
from tocsin.statuspage.snapshot import render_page

pytestmark = pytest.mark.django_db

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")
COMPONENT_FIELDS = {
    "id", "name", "status", "created_at", "updated_at", "position", "description", "showcase",
    "start_date", "group_id", "page_id", "group", "only_show_if_degraded",
}  # fmt: skip


def test_summary_json_fields_groups_and_value_sets(client):
    page = Page.objects.get(is_default=True)
    page.time_zone = "America/Denver"
    page.save()
    payments = ComponentGroup.objects.create(page=page, name="Payments")
    Component.objects.create(
        page=page, group=payments, name="Checkout", status="degraded_performance"
    )
    Component.objects.create(page=page, group=payments, name="Cards", status="partial_outage")
    render_page(page.pk)
    body = client.get("/status/api/v2/summary.json").json()
    assert set(body) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert set(body["page"]) == {"id", "name", "url", "time_zone", "updated_at"}
    assert ISO.match(body["page"]["updated_at"]) and body["page"]["updated_at"][-6:] in (
        "-06:00",
        "-07:00",
    )
    group, *children = body["components"]
    assert set(group) == COMPONENT_FIELDS | {"components"}
    assert group["group"] is True and group["status"] == "partial_outage"
    assert group["components"] == [c["id"] for c in children]
    for c in children:
        assert set(c) == COMPONENT_FIELDS and c["group"] is False and c["group_id"] == group["id"]
        assert c["status"] in {
            "operational",
            "degraded_performance",
            "partial_outage",
            "major_outage",
            "under_maintenance",
        }
        assert isinstance(c["position"], int) and isinstance(c["showcase"], bool)
    assert body["status"]["indicator"] in {"none", "minor", "major", "critical", "maintenance"}
    assert body["status"] == {"indicator": "major", "description": "Partial System Outage"}


# The shapes of Statuspage's public API documentation (its examples of incidents.json,
# scheduled-maintenances.json and their update objects, with the fields real Statuspage pages
# send besides: started_at, components, affected_components, deliver_notifications), written
# out here; Tocsin's JSON carries exactly these fields, with the same types and value sets.
PAGE_FIELDS = {"id", "name", "url", "time_zone", "updated_at"}
INCIDENT_FIELDS = {
    "id", "name", "status", "created_at", "updated_at", "monitoring_at", "resolved_at", "impact",
    "shortlink", "started_at", "page_id", "incident_updates", "components",
}  # fmt: skip
MAINTENANCE_FIELDS = INCIDENT_FIELDS | {"scheduled_for", "scheduled_until"}
UPDATE_FIELDS = {
    "id", "status", "body", "incident_id", "created_at", "updated_at", "display_at",
    "affected_components", "deliver_notifications", "custom_tweet", "tweet_id",
}  # fmt: skip
AFFECTED_FIELDS = {"code", "name", "old_status", "new_status"}
INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved", "postmortem"}
MAINTENANCE_STATUSES = {"scheduled", "in_progress", "verifying", "completed"}
IMPACTS = {"none", "minor", "major", "critical"}
COMPONENT_STATUSES = {
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance",
}  # fmt: skip


def _time(value, *, nullable=False):
    if value is None:
        assert nullable, "a timestamp that is always set is null"
        return
    assert isinstance(value, str) and ISO.match(value), value


def _check_update(update, parent_id, statuses):
    assert set(update) == UPDATE_FIELDS
    assert isinstance(update["id"], str) and update["incident_id"] == parent_id
    assert update["status"] in statuses and isinstance(update["body"], str)
    for field in ("created_at", "updated_at", "display_at"):
        _time(update[field])
    assert isinstance(update["deliver_notifications"], bool)
    assert update["custom_tweet"] is None and update["tweet_id"] is None
    affected = update["affected_components"]
    assert affected is None or isinstance(affected, list)
    for a in affected or []:
        assert set(a) == AFFECTED_FIELDS
        assert a["old_status"] in COMPONENT_STATUSES and a["new_status"] in COMPONENT_STATUSES


def _check_incident(incident, fields, statuses, impacts):
    assert set(incident) == fields
    assert isinstance(incident["id"], str) and isinstance(incident["name"], str)
    assert incident["status"] in statuses and incident["impact"] in impacts
    for field in ("created_at", "updated_at", "started_at"):
        _time(incident[field])
    _time(incident["monitoring_at"], nullable=True)
    _time(incident["resolved_at"], nullable=True)
    assert incident["shortlink"].endswith(incident["id"])
    assert isinstance(incident["incident_updates"], list) and incident["incident_updates"]
    for update in incident["incident_updates"]:
        _check_update(update, incident["id"], statuses)
    for component in incident["components"]:
        assert set(component) == COMPONENT_FIELDS and component["status"] in COMPONENT_STATUSES


@pytest.fixture
def everything(inc_12_published, card_upgrade, page):
    """An open incident, a maintenance in three days: what every JSON file has something of."""
    return inc_12_published, card_upgrade


def test_every_file_has_the_page_and_only_its_own_keys(client, everything):
    keys = {
        "status": {"page", "status"},
        "components": {"page", "components"},
        "incidents": {"page", "incidents"},
        "incidents/unresolved": {"page", "incidents"},
        "scheduled-maintenances": {"page", "scheduled_maintenances"},
        "scheduled-maintenances/upcoming": {"page", "scheduled_maintenances"},
        "scheduled-maintenances/active": {"page", "scheduled_maintenances"},
        "summary": {"page", "components", "incidents", "scheduled_maintenances", "status"},
    }
    for name, expected in keys.items():
        response = client.get(f"/status/api/v2/{name}.json")
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        body = response.json()
        assert set(body) == expected, name
        assert set(body["page"]) == PAGE_FIELDS, name
        _time(body["page"]["updated_at"])


def test_status_and_components_json(client, everything):
    status = client.get("/status/api/v2/status.json").json()["status"]
    assert status == {"indicator": "major", "description": "Partial System Outage"}
    components = client.get("/status/api/v2/components.json").json()["components"]
    assert components == client.get("/status/api/v2/summary.json").json()["components"]
    for component in components:
        assert set(component) - {"components"} == COMPONENT_FIELDS
        assert component["status"] in COMPONENT_STATUSES
        _time(component["created_at"])


def test_incidents_json_field_by_field(client, everything):
    published, _ = everything
    for name in ("incidents", "incidents/unresolved"):
        incidents = client.get(f"/status/api/v2/{name}.json").json()["incidents"]
        assert [i["id"] for i in incidents] == [published.code], name
        for incident in incidents:
            _check_incident(incident, INCIDENT_FIELDS, INCIDENT_STATUSES, IMPACTS)
    incident = incidents[0]
    assert incident["status"] == "investigating" and incident["impact"] == "major"
    assert incident["resolved_at"] is None
    assert [c["name"] for c in incident["components"]] == ["Checkout"]


def test_a_resolved_incident_leaves_unresolved_json(client, everything, lead):
    published, _ = everything
    services.resolve_public_incident(public_incident=published, by=lead, body="Fixed.")
    render_page(published.page_id)
    assert client.get("/status/api/v2/incidents/unresolved.json").json()["incidents"] == []
    incident = client.get("/status/api/v2/incidents.json").json()["incidents"][0]
    _check_incident(incident, INCIDENT_FIELDS, INCIDENT_STATUSES, IMPACTS)
    assert incident["status"] == "resolved"
    _time(incident["resolved_at"])
    assert incident["incident_updates"][0]["status"] == "resolved"  # newest first


def test_scheduled_maintenances_json_field_by_field_and_by_state(client, everything):
    _, upgrade = everything
    listed = client.get("/status/api/v2/scheduled-maintenances.json").json()
    upcoming = client.get("/status/api/v2/scheduled-maintenances/upcoming.json").json()
    active = client.get("/status/api/v2/scheduled-maintenances/active.json").json()
    assert [m["id"] for m in listed["scheduled_maintenances"]] == [upgrade.code]
    assert [m["id"] for m in upcoming["scheduled_maintenances"]] == [upgrade.code]
    assert active["scheduled_maintenances"] == []
    for maintenance in listed["scheduled_maintenances"]:
        _check_incident(
            maintenance, MAINTENANCE_FIELDS, MAINTENANCE_STATUSES, IMPACTS | {"maintenance"}
        )
        _time(maintenance["scheduled_for"])
        _time(maintenance["scheduled_until"])
        assert maintenance["status"] == "scheduled" and maintenance["impact"] == "maintenance"
        assert [c["name"] for c in maintenance["components"]] == ["Card processing"]
    with time_machine.travel(upgrade.scheduled_for + timedelta(minutes=5), tick=False):
        render_page(upgrade.page_id)
        active = client.get("/status/api/v2/scheduled-maintenances/active.json").json()
        upcoming = client.get("/status/api/v2/scheduled-maintenances/upcoming.json").json()
        status = client.get("/status/api/v2/status.json").json()["status"]
    assert [m["status"] for m in active["scheduled_maintenances"]] == ["in_progress"]
    assert upcoming["scheduled_maintenances"] == []
    assert status["indicator"] in {"major", "maintenance"}
