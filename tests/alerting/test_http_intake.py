"""The intake endpoints: samples in, incidents out; every refusal stores nothing."""

import json
import time

import pytest
from django.test import Client

from tests.support.intake import posted
from tests.support.samples import sample_bytes
from tocsin.alerting.intake import BRAKE_FACTOR
from tocsin.alerting.models import Alert, AlertEvent, IntakeEvent, Integration, Kind
from tocsin.alerting.sources.signatures import sign_hmac_sha256
from tocsin.incidents.models import Incident, Status


@pytest.fixture
def client():
    return Client()


def post(client, integration, body, *, kind=None, **headers):
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    url = f"/api/v1/integrations/{integration.token}/{kind or integration.kind}"
    return posted(client.post(url, body, content_type="application/json", headers=headers))


def stored():
    return (
        Alert.objects.count(),
        AlertEvent.objects.count(),
        Incident.objects.count(),
        IntakeEvent.objects.count(),
    )


def test_a_real_alertmanager_notification_opens_a_p1_for_the_team(client, prometheus):
    response = post(client, prometheus, sample_bytes("alertmanager-v4-firing.raw.json"))
    assert response.status_code == 202
    [answer] = response.json()["alerts"]
    assert answer == {"fingerprint": Alert.objects.get().fingerprint, "action": "trigger"}
    incident = Incident.objects.get(alerts__fingerprint=answer["fingerprint"])
    assert incident.severity.key == "P1" and incident.team.name == "Payments"
    assert incident.title == "Disk almost full on db1"


def test_a_repeat_counts_and_the_resolved_notification_resolves(client, prometheus):
    post(client, prometheus, sample_bytes("alertmanager-v4-firing.raw.json"))
    post(client, prometheus, sample_bytes("alertmanager-v4-firing.raw.json"))
    assert Alert.objects.get().count == 2
    post(client, prometheus, sample_bytes("alertmanager-v4-firing-grouped.json"))
    post(client, prometheus, sample_bytes("alertmanager-v4-mixed.json"))
    incident = Incident.objects.get()
    assert incident.status == Status.TRIGGERED  # db2 still firing
    post(client, prometheus, sample_bytes("alertmanager-v4-resolved.json"))
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert "resolved at the source" in incident.resolution


def test_unknown_token_is_404_and_stores_nothing(client, prometheus):
    response = client.post(
        "/api/v1/integrations/not-a-token/alertmanager", b"{}", content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_integration"
    assert stored() == (0, 0, 0, 0)


def test_a_disabled_integration_is_unknown(client, prometheus):
    prometheus.enabled = False
    prometheus.save()
    response = post(client, prometheus, sample_bytes("alertmanager-v4-firing.raw.json"))
    assert response.status_code == 404 and stored() == (0, 0, 0, 0)


def test_the_kind_in_the_url_must_match(client, prometheus):
    response = post(client, prometheus, {}, kind="grafana")
    assert response.status_code == 404
    assert "post to .../alertmanager" in response.json()["error"]["message"]


def test_an_oversized_body_is_413(client, prometheus, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = post(client, prometheus, b"{" + b" " * 2000 + b"}")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert stored() == (0, 0, 0, 0)


def test_malformed_json_is_400(client, prometheus):
    response = post(client, prometheus, b'{"alerts": [')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
    assert stored() == (0, 0, 0, 0)


def test_a_lone_surrogate_is_malformed_not_a_crash(client, prometheus):
    response = post(client, prometheus, b'{"alerts": "\\ud800"}')
    assert response.status_code == 400 and stored() == (0, 0, 0, 0)


def test_the_wrong_shape_is_422_naming_the_field(client, prometheus):
    response = post(client, prometheus, {"alerts": [{"status": "burning", "labels": {}}]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_payload" and error["field"] == "alerts[0].status"
    assert stored() == (0, 0, 0, 0)


def test_past_its_limit_an_integration_still_accepts_and_stores_every_alert(client, prometheus):
    # Alertmanager does not retry a 429: an alert refused would be an alert lost.
    prometheus.rate_limit_per_minute = 2
    prometheus.save()
    body = sample_bytes("alertmanager-v4-firing.raw.json")
    assert [post(client, prometheus, body).status_code for _ in range(3)] == [202, 202, 202]
    assert AlertEvent.objects.count() == 3


def test_the_emergency_brake_answers_429_far_above_the_limit_counting_alerts(
    client, payments, checkout
):
    generic = Integration.objects.create(
        kind=Kind.GENERIC, name="Cron", team=payments, service=checkout, rate_limit_per_minute=1
    )
    jobs = [{"title": f"Job {n} failed"} for n in range(BRAKE_FACTOR + 1)]
    response = post(client, generic, {"alerts": jobs})  # one request, 21 alerts
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "more than 20 alerts this minute" in response.json()["error"]["message"]
    assert stored() == (0, 0, 0, 0)
    assert post(client, generic, {"alerts": jobs[:BRAKE_FACTOR]}).status_code == 202
    assert post(client, generic, {"title": "Job 20 failed"}).status_code == 429
    assert Alert.objects.count() == BRAKE_FACTOR


@pytest.fixture
def grafana(payments, severities):
    return Integration.objects.create(
        kind=Kind.GRAFANA,
        name="Grafana",
        team=payments,
        signing_secret="grafana-secret",
        signature_header="X-Grafana-Alerting-Signature",
    )


def test_a_signed_grafana_alert_is_accepted(client, grafana):
    body = sample_bytes("grafana-alert.json")
    stamp = str(int(time.time()))
    response = post(
        client,
        grafana,
        body,
        **{
            "X-Grafana-Alerting-Signature": sign_hmac_sha256(
                body, "grafana-secret", timestamp=stamp
            ),
            "X-Grafana-Alerting-Signature-Timestamp": stamp,
        },
    )
    assert response.status_code == 202
    assert Alert.objects.count() == 2


@pytest.mark.parametrize("signature", [None, "deadbeef", "tampered"])
def test_a_missing_or_wrong_signature_is_401(client, grafana, signature):
    body = sample_bytes("grafana-alert.json")
    headers = {}
    if signature == "tampered":
        headers["X-Grafana-Alerting-Signature"] = sign_hmac_sha256(b"{}", "grafana-secret")
    elif signature:
        headers["X-Grafana-Alerting-Signature"] = signature
    response = post(client, grafana, body, **headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"
    assert stored() == (0, 0, 0, 0)


def test_a_replayed_grafana_signature_is_refused(client, grafana):
    body = sample_bytes("grafana-alert.json")
    stamp = str(int(time.time()) - 3600)
    response = post(
        client,
        grafana,
        body,
        **{
            "X-Grafana-Alerting-Signature": sign_hmac_sha256(
                body, "grafana-secret", timestamp=stamp
            ),
            "X-Grafana-Alerting-Signature-Timestamp": stamp,
        },
    )
    assert response.status_code == 401 and stored() == (0, 0, 0, 0)


def test_checkly_signatures_are_checked(client, payments, severities):
    checkly = Integration.objects.create(
        kind=Kind.CHECKLY, name="Checkly", team=payments, signing_secret="checkly-secret"
    )
    body = sample_bytes("checkly-webhook.json")
    bad = post(client, checkly, body, **{"x-checkly-signature": "0" * 64})
    assert bad.status_code == 401 and stored() == (0, 0, 0, 0)
    good = post(
        client, checkly, body, **{"x-checkly-signature": sign_hmac_sha256(body, "checkly-secret")}
    )
    assert good.status_code == 202
    assert Incident.objects.get().title.startswith("The SSL certificate for api.checklyhq.com")


def test_get_is_not_an_alert(client, prometheus):
    response = client.get(f"/api/v1/integrations/{prometheus.token}/alertmanager")
    assert response.status_code == 405 and stored() == (0, 0, 0, 0)


def test_a_checkly_failure_maps_to_p2(client, payments, severities):
    checkly = Integration.objects.create(kind=Kind.CHECKLY, name="Checkly", team=payments)
    body = {
        "alert_type": "ALERT_FAILURE",
        "check_id": "08437f9c",
        "check_name": "Checkout API",
        "message": "Checkout API failed",
        "link": "https://app.checklyhq.com/checks/08437f9c",
    }
    assert post(client, checkly, body).status_code == 202
    assert Incident.objects.get().severity.key == "P2"


def test_a_dedup_key_longer_than_the_column_is_kept_as_its_hash(client, payments, severities):
    generic = Integration.objects.create(kind=Kind.GENERIC, name="Scripts", team=payments)
    body = {"title": "Queue backlog", "dedup_key": "k" * 500}
    assert post(client, generic, body).status_code == 202
    assert post(client, generic, body).status_code == 202
    alert = Alert.objects.get()
    assert alert.fingerprint.startswith("sha256:") and alert.count == 2
