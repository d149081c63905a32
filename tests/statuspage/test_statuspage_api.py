"""The /status/api/v2/ JSON has Statuspage's field names, types and value sets."""

import re

import pytest

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
