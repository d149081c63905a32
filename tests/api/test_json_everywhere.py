"""Under /api/, /v2/ and /hooks/ every refusal is JSON, whatever refused it: the API, Django's
CSRF check, an unknown address or a wrong method."""

import pytest
from django.test import Client


def assert_json_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/nope"),
        ("post", "/api/v1/incidents/1/acknowledge/extra"),
        ("get", "/api/v2/incidents"),
        ("get", "/api/"),
        ("get", "/v2/nope"),
        ("post", "/v2/change/nope"),
        ("post", "/hooks/nope"),
        ("post", "/api/v1/integrations/abc/generic/extra"),
    ],
)
def test_an_unknown_address_is_a_json_404(db, method, path):
    response = getattr(Client(enforce_csrf_checks=True), method)(path)
    assert_json_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/api/v1/incidents", "GET, POST"),
        ("put", "/api/v1/teams", "GET"),
        ("get", "/v2/enqueue", "POST"),
        ("get", "/api/v1/integrations/abc/generic", None),
        ("get", "/hooks/telegram/", "POST"),
        ("get", "/hooks/slack/interactivity", "POST"),
    ],
)
def test_a_wrong_method_is_a_json_405_with_allow(db, method, path, allowed):
    response = getattr(Client(), method)(path)
    if allowed is None:  # an unknown intake token is 404 before the method is looked at
        assert_json_error(response, 404, "unknown_integration")
        return
    assert response.status_code == 405
    assert response["Allow"] == allowed
    if path.startswith("/v2/"):
        assert response.json()["status"] == "invalid event"
    else:
        body = assert_json_error(response, 405, "method_not_allowed")
        assert allowed in body["error"]["message"]


def test_a_session_post_without_csrf_under_the_api_is_a_json_403(db, lead):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    response = client.post("/api/v1/nope", {}, content_type="application/json")
    assert response.status_code in (403, 404)
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(("kind", "allowed"), [("generic", "POST"), ("heartbeat", "GET, POST")])
def test_an_intake_url_says_which_methods_it_takes(payments, severities, kind, allowed):
    from datetime import timedelta

    from tocsin.alerting.models import Integration

    integration = Integration.objects.create(
        kind=kind, name="Jobs", team=payments, heartbeat_interval=timedelta(minutes=5)
    )
    response = Client().put(f"/api/v1/integrations/{integration.token}/{kind}")
    assert_json_error(response, 405, "method_not_allowed")
    assert response["Allow"] == allowed
