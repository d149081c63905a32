"""Bodies as real HTTP clients send them: chunked, deeply nested, with NUL or NaN.

Every intake endpoint reads a chunked body like one with a Content-Length, under the same size
limit; a body it cannot take is a 4xx that names the problem and stores nothing.
"""

import io
import json

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_started
from django.db import close_old_connections
from django.test import Client, override_settings

from tests.support.intake import drain, posted
from tocsin.alerting.models import Alert, AlertEvent, IntakeEvent, Integration, Kind
from tocsin.incidents.models import Incident, Status


def wsgi_post(path: str, body: bytes, *, chunked: bool = True) -> tuple[int, dict]:
    """POST through Django's WSGI handler as gunicorn hands it over: a chunked body arrives
    decoded, with no CONTENT_LENGTH and `wsgi.input_terminated` set."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.input_terminated": True,
    }
    if chunked:
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    else:
        environ["CONTENT_LENGTH"] = str(len(body))
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])

    # As Django's test client does: the test's transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    try:
        content = b"".join(WSGIHandler()(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
    if answer["status"] == 202:
        drain()
    return answer["status"], json.loads(content)


@pytest.fixture
def generic(payments, checkout, severities):
    return Integration.objects.create(
        kind=Kind.GENERIC, name="Cron checks", team=payments, service=checkout
    )


def stored():
    return (
        Alert.objects.count(),
        AlertEvent.objects.count(),
        Incident.objects.count(),
        IntakeEvent.objects.count(),
    )


ALERT = {"title": "Checkout error rate 12%", "severity": "critical", "dedup_key": "co-1"}


def test_a_chunked_generic_alert_opens_its_incident(generic):
    status, answer = wsgi_post(
        f"/api/v1/integrations/{generic.token}/generic", json.dumps(ALERT).encode()
    )
    assert status == 202, answer
    assert Incident.objects.get().title == "Checkout error rate 12%"


def test_a_chunked_pagerduty_event_is_accepted(events_v2):
    event = {
        "routing_key": events_v2.token,
        "event_action": "trigger",
        "payload": {"summary": "Disk full on db1", "source": "db1", "severity": "critical"},
    }
    status, answer = wsgi_post("/v2/enqueue", json.dumps(event).encode())
    assert status == 202, answer
    assert answer["status"] == "success"
    assert Incident.objects.get().title == "Disk full on db1"


def test_a_chunked_failure_report_from_a_heartbeat_is_a_failure_not_a_ping(nightly_backup):
    path = f"/api/v1/integrations/{nightly_backup.token}/heartbeat"
    report = {"status": "fail", "message": "pg_dump exit 1"}
    status, _ = wsgi_post(path, json.dumps(report).encode())
    assert status == 202
    incident = Incident.objects.get()
    assert incident.title == "pg_dump exit 1"
    # The same failure reported again must not resolve what it opened.
    wsgi_post(path, json.dumps(report).encode())
    incident.refresh_from_db()
    assert incident.status == Status.TRIGGERED


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_chunked_body_over_the_limit_is_413_and_stores_nothing(generic):
    body = json.dumps({**ALERT, "description": "x" * 2000}).encode()
    status, answer = wsgi_post(f"/api/v1/integrations/{generic.token}/generic", body)
    assert status == 413
    assert answer["error"]["code"] == "payload_too_large"
    assert stored() == (0, 0, 0, 0)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_chunked_pagerduty_event_over_the_limit_is_413(events_v2):
    body = json.dumps({"routing_key": events_v2.token, "pad": "x" * 2000}).encode()
    status, answer = wsgi_post("/v2/enqueue", body)
    assert status == 413
    assert answer["status"] == "invalid event"
    assert stored() == (0, 0, 0, 0)


def post(integration, body: bytes):
    url = f"/api/v1/integrations/{integration.token}/{integration.kind}"
    return posted(Client().post(url, body, content_type="application/json"))


def test_json_nested_a_thousand_deep_is_refused_as_too_deep(generic):
    body = b'{"title": "deep", "labels": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    response = post(generic, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_json"
    assert error["message"] == "the body is nested deeper than 64 levels"
    assert stored() == (0, 0, 0, 0)


def test_a_deeply_nested_pagerduty_event_is_a_pagerduty_400(events_v2):
    body = b'{"routing_key": "' + events_v2.token.encode() + b'", "x": ' + b"[" * 1000
    body += b"]" * 1000 + b"}"
    response = posted(Client().post("/v2/enqueue", body, content_type="application/json"))
    assert response.status_code == 400
    assert response.json()["errors"]
    assert stored() == (0, 0, 0, 0)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(generic, literal):
    body = b'{"title": "odd number", "value": ' + literal.encode() + b"}"
    response = post(generic, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_json"
    assert literal.lstrip("-") in error["message"]
    assert stored() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "alert",
    [
        {"title": "nul \u0000 in the title"},
        {"title": "ok", "description": "nul \u0000 here"},
        {"title": "ok", "labels": {"host\u0000": "db1"}},
        {"title": "ok", "labels": {"host": "db\u00001"}},
        {"title": "ok", "dedup_key": "key\u0000"},
    ],
    ids=["title", "description", "label-key", "label-value", "dedup-key"],
)
def test_a_nul_character_anywhere_is_refused_by_name(generic, alert):
    response = post(generic, json.dumps(alert).encode())
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_payload"
    assert "contains a NUL character, which cannot be stored" in error["message"]
    assert stored() == (0, 0, 0, 0)


def test_a_nul_character_in_a_pagerduty_event_is_a_pagerduty_400(events_v2):
    event = {
        "routing_key": events_v2.token,
        "event_action": "trigger",
        "payload": {"summary": "nul \u0000", "source": "db1", "severity": "critical"},
    }
    response = posted(
        Client().post("/v2/enqueue", json.dumps(event), content_type="application/json")
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "payload.summary contains a NUL character, which cannot be stored"
    ]
    assert stored() == (0, 0, 0, 0)
