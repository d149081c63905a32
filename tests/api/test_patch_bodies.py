"""PATCH bodies: a field left out keeps its value; null is a value only where the OpenAPI schema
offers it ("null removes the default"), and everywhere else a 422 naming the field, with
nothing changed."""

import pytest

from tocsin.alerting.models import Integration, Kind
from tocsin.alerting.services.rules import create_rule
from tocsin.webhooks.services import create_webhook

# operation -> the properties its body may set to null
NULLABLE = {
    "/api/v1/incidents/{ref}": set(),
    "/api/v1/schedules/{schedule_id}": set(),
    "/api/v1/webhooks/{webhook_id}": set(),
    "/api/v1/rules/{rule_id}": {"integration", "team", "service", "severity", "runbook"},
    "/api/v1/integrations/{integration_id}": {"service", "severity"},
    "/api/v1/status/groups/{code}": set(),
    "/api/v1/status/components/{code}": {"group", "start_date"},
    "/api/v1/status/incidents/{code}": set(),
    "/api/v1/status/maintenances/{code}": {"remind_before_minutes"},
    "/api/v1/status/pages/{slug}": set(),
    "/api/v1/runbooks/{slug}": set(),
    "/api/v1/incidents/{ref}/postmortem": set(),
    "/api/v1/action-items/{pk}": set(),
    "/api/v1/hotfixes/{hot_fix_id}": set(),
    "/api/v1/drill-scenarios/{scenario_id}": {"service"},
}


def _body_schema(document, operation) -> dict:
    content = operation["requestBody"]["content"]["application/json"]["schema"]
    return document["components"]["schemas"][content["$ref"].rsplit("/", 1)[1]]


def _takes_null(prop: dict) -> bool:
    return prop.get("type") == "null" or any(_takes_null(p) for p in prop.get("anyOf", []))


def test_patch_bodies_offer_null_only_where_the_server_takes_it(api_as, admin):
    document = api_as(admin).get("/openapi.json").json()
    patches = {path: item["patch"] for path, item in document["paths"].items() if "patch" in item}

    assert set(patches) == set(NULLABLE)
    for path, operation in patches.items():
        properties = _body_schema(document, operation)["properties"]
        offered = {name for name, prop in properties.items() if _takes_null(prop)}
        assert offered == NULLABLE[path], path
        assert all("default" not in prop for prop in properties.values()), path


@pytest.fixture
def prometheus(payments, checkout):
    return Integration.objects.create(
        kind=Kind.ALERTMANAGER, name="Prometheus", team=payments, service=checkout
    )


@pytest.fixture
def targets(incident, berlin, prometheus, admin, payments):
    """One of each thing that can be patched, by path."""
    webhook = create_webhook(
        team=payments, name="Ops", url="https://hooks.example.com/ops", by=admin
    )
    rule = create_rule(by=admin, name="Checkout", matchers=[])
    return {
        "incidents": (f"/incidents/{incident.pk}", ["title", "services", "severity", "status"]),
        "schedules": (f"/schedules/{berlin.pk}", ["name", "time_zone", "description"]),
        "webhooks": (f"/webhooks/{webhook.pk}", ["name", "url", "events", "enabled"]),
        "rules": (f"/rules/{rule.pk}", ["name", "matchers", "position", "runbook_url"]),
        "integrations": (f"/integrations/{prometheus.pk}", ["name", "enabled", "signing_secret"]),
    }


@pytest.mark.parametrize("kind", ["incidents", "schedules", "webhooks", "rules", "integrations"])
def test_null_where_it_is_not_offered_is_a_422_naming_the_field(
    kind, targets, api_as, admin, traveller
):
    path, fields = targets[kind]
    client = api_as(admin)
    before = client.get(path).json()

    for field in fields:
        response = client.patch(path, {field: None})
        assert response.status_code == 422, (field, response.content)
        error = response.json()["error"]
        assert field in (error.get("field") or "") + error["message"], error
        assert "leave the field out to keep it" in error["message"]

    after = client.get(path).json()
    assert after == before


def test_null_where_it_is_offered_removes_the_default(api_as, admin, prometheus):
    response = api_as(admin).patch(f"/integrations/{prometheus.pk}", {"service": None})

    assert response.status_code == 200, response.content
    assert response.json()["service"] is None


def test_a_field_left_out_keeps_its_value(api_as, admin, berlin):
    response = api_as(admin).patch(f"/schedules/{berlin.pk}", {"description": "Weekdays"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["time_zone"], body["description"]) == (
        "Payments Europe/Berlin",
        "Europe/Berlin",
        "Weekdays",
    )
