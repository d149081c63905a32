"""Managing webhooks over the REST API: who may, what is refused, the delivery log, a test."""

import pytest

from tests.support.api import assert_error
from tocsin.incidents.models import Channel
from tocsin.incidents.services import acknowledge
from tocsin.notify.delivery.loop import deliver_due
from tocsin.webhooks.models import Webhook

pytestmark = pytest.mark.django_db

ALL_TYPES = [
    "incident.triggered",
    "incident.acknowledged",
    "incident.updated",
    "incident.resolved",
    "incident.reopened",
    "incident.note_added",
    "ticket.opened",
    "ticket.triaged",
    "ticket.escalated",
    "ticket.closed",
]


def _snapshot() -> list[tuple]:
    return list(
        Webhook.objects.order_by("id").values_list(
            "id", "team_id", "name", "url", "events", "enabled", "secret_salt"
        )
    )


def _create(client, **fields):
    body = {"team": "payments", "name": "Status bot", "url": "https://hooks.example.com/tocsin"}
    body.update(fields)
    return client.post("/webhooks", body)


def test_a_lead_adds_a_webhook_for_their_team_and_sees_its_secret(api_as, lead):
    response = _create(api_as(lead))

    assert response.status_code == 201, response.content
    body = response.json()
    webhook = Webhook.objects.get()
    assert body == {
        "id": webhook.pk,
        "team": {"slug": "payments", "name": "Payments"},
        "name": "Status bot",
        "url": "https://hooks.example.com/tocsin",
        "secret": webhook.secret,
        "events": ALL_TYPES,
        "enabled": True,
        "include_drills": False,
        "created_at": body["created_at"],
    }
    assert len(body["secret"]) == 32
    assert webhook.created_by == lead


def test_a_member_cannot_add_a_webhook(api_as, member):
    response = _create(api_as(member))

    assert_error(
        response,
        403,
        "permission_denied",
        message_contains="only an admin or a lead of Payments may manage its webhooks",
    )
    assert _snapshot() == []


def test_a_lead_cannot_add_one_for_another_team_or_for_every_team(api_as, lead, platform):
    client = api_as(lead)

    assert_error(_create(client, team="platform"), 403, "permission_denied")
    assert_error(
        _create(client, team=None),
        403,
        "permission_denied",
        message_contains="only an admin may manage instance-wide webhooks",
    )
    assert _snapshot() == []


def test_an_admin_adds_an_instance_wide_webhook(api_as, admin):
    response = _create(api_as(admin), team=None, events=["incident.resolved", "incident.triggered"])

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["team"] is None
    # Kept in the documented order, whatever order they were given in.
    assert body["events"] == ["incident.triggered", "incident.resolved"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.com/x", "must start with https:// or http://, not ftp://"),
        ("javascript:alert(1)", "has no scheme: a webhook url starts with https:// or http://"),
        ("hooks.example.com:8080/x", "has no scheme"),
        ("file:///etc/passwd", "not file://"),
        ("HTTPS://", "has no host name"),
        ("https://", "has no host name"),
        ("https://hooks.example.com:99999/", "is not a valid URL"),
        ("https://hooks.example.com/a b", "must not contain spaces"),
        ("", "give the address to POST to"),
    ],
)
def test_a_bad_url_is_refused_and_nothing_is_created(api_as, admin, payments, url, message):
    response = _create(api_as(admin), url=url)

    assert_error(response, 422, "validation_failed", field="url", message_contains=message)
    assert _snapshot() == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"events": ["incident.exploded"]}, "events", "unknown event type 'incident.exploded'"),
        ({"events": []}, "events", "choose at least one event type"),
        ({"events": "incident.resolved"}, "events", ""),
        ({"name": "  "}, "name", "give the webhook a name"),
        ({"name": "x" * 101}, "name", "the name is longer than 100 characters"),
        ({"team": "nobody"}, "team", "no team 'nobody'"),
        ({"enabled": "yes"}, "enabled", ""),
        ({"secret": "mine"}, "secret", "unknown field 'secret'"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    api_as, admin, payments, fields, field, message
):
    response = _create(api_as(admin), **fields)

    assert_error(response, 422, "validation_failed", field=field, message_contains=message)
    assert _snapshot() == []


def test_the_scheme_is_kept_in_lower_case(api_as, admin, payments):
    response = _create(api_as(admin), url="HTTPS://Hooks.example.com:8443/Tocsin?key=1")

    assert response.status_code == 201, response.content
    assert response.json()["url"] == "https://Hooks.example.com:8443/Tocsin?key=1"


def test_a_name_is_used_once_per_team(api_as, lead):
    client = api_as(lead)
    assert _create(client).status_code == 201

    assert_error(_create(client), 409, "conflict", field="name", message_contains="Status bot")
    assert len(_snapshot()) == 1


def test_people_see_only_the_webhooks_they_manage(api_as, lead, member, outsider, admin):
    ours = _create(api_as(lead)).json()
    _create(api_as(admin), team=None, name="Everything")

    # Instance-wide ones first, then by team.
    names = [w["name"] for w in api_as(admin).get("/webhooks").json()]
    assert names == ["Everything", "Status bot"]
    assert [w["name"] for w in api_as(lead).get("/webhooks").json()] == ["Status bot"]
    assert api_as(member).get("/webhooks").json() == []
    assert_error(
        api_as(outsider).get(f"/webhooks/{ours['id']}"),
        403,
        "permission_denied",
    )
    assert_error(api_as(admin).get("/webhooks/999999"), 404, "not_found")


def test_a_lead_changes_events_url_and_switches_it_off(api_as, lead):
    client = api_as(lead)
    webhook = _create(client).json()

    response = client.patch(
        f"/webhooks/{webhook['id']}",
        {
            "events": ["incident.resolved"],
            "url": "http://hooks.example.net:8080/hook",
            "enabled": False,
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["events"] == ["incident.resolved"]
    assert body["url"] == "http://hooks.example.net:8080/hook"
    assert body["enabled"] is False
    assert body["secret"] == webhook["secret"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"url": "gopher://example.com"}, "url"),
        ({"events": []}, "events"),
        ({"enabled": None}, "enabled"),
        ({"team": "platform"}, "team"),
    ],
)
def test_a_bad_change_is_refused_and_changes_nothing(api_as, lead, change, field):
    client = api_as(lead)
    webhook = _create(client).json()
    before = _snapshot()

    response = client.patch(f"/webhooks/{webhook['id']}", change)

    assert_error(response, 422, "validation_failed", field=field)
    assert _snapshot() == before


def test_a_member_cannot_change_or_delete_a_teams_webhook(api_as, lead, member):
    webhook = _create(api_as(lead)).json()
    before = _snapshot()

    assert_error(
        api_as(member).patch(f"/webhooks/{webhook['id']}", {"enabled": False}),
        403,
        "permission_denied",
    )
    assert_error(api_as(member).delete(f"/webhooks/{webhook['id']}"), 403, "permission_denied")
    assert _snapshot() == before


def test_deleting_a_webhook(api_as, lead):
    client = api_as(lead)
    webhook = _create(client).json()

    assert client.delete(f"/webhooks/{webhook['id']}").status_code == 204

    assert _snapshot() == []
    assert_error(client.get(f"/webhooks/{webhook['id']}"), 404, "not_found")


def test_rotating_the_secret(api_as, lead):
    client = api_as(lead)
    webhook = _create(client).json()

    response = client.post(f"/webhooks/{webhook['id']}/rotate-secret")

    assert response.status_code == 200
    assert response.json()["secret"] != webhook["secret"]
    assert response.json()["secret"] == Webhook.objects.get().secret


def test_the_delivery_log_shows_each_delivery_and_how_it_went(
    api_as, lead, member, receiver, new_incident
):
    client = api_as(lead)
    webhook = _create(client, url=receiver.url("/ops")).json()
    receiver.secrets["/ops"] = webhook["secret"]
    receiver.script["/ops"] = [204, 500]
    incident = new_incident()
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    deliver_due(worker_id="test-worker")

    response = client.get(f"/webhooks/{webhook['id']}/deliveries")

    assert response.status_code == 200, response.content
    acknowledged, triggered = response.json()
    assert triggered["type"] == "incident.triggered"
    assert triggered["incident"] == incident.reference
    assert (triggered["state"], triggered["attempts"]) == ("sent", 1)
    assert triggered["response"] == "HTTP 204"
    assert triggered["sent_at"] is not None
    assert triggered["next_attempt_at"] is None
    assert acknowledged["type"] == "incident.acknowledged"
    assert (acknowledged["state"], acknowledged["attempts"]) == ("pending", 1)
    assert acknowledged["last_error"] == "HTTP 500 Internal Server Error"
    [attempt] = acknowledged["log"]
    assert (attempt["attempt"], attempt["status"]) == (1, 500)
    assert attempt["url"] == receiver.url("/ops")
    assert acknowledged["next_attempt_at"] is not None
    assert acknowledged["sent_at"] is None
    assert '"type":"incident.acknowledged"' in acknowledged["body"]

    sent = client.get(f"/webhooks/{webhook['id']}/deliveries", state="sent").json()
    assert [d["id"] for d in sent] == [triggered["id"]]
    assert_error(
        client.get(f"/webhooks/{webhook['id']}/deliveries", state="lost"),
        422,
        "validation_failed",
        field="state",
    )
    refused = api_as(member).get(f"/webhooks/{webhook['id']}/deliveries")
    assert_error(refused, 403, "permission_denied")


def test_sending_a_test_delivers_a_ping(api_as, lead, receiver):
    client = api_as(lead)
    webhook = _create(client, url=receiver.url("/ops")).json()
    receiver.secrets["/ops"] = webhook["secret"]

    response = client.post(f"/webhooks/{webhook['id']}/test")

    assert response.status_code == 202, response.content
    queued = response.json()
    assert (queued["type"], queued["state"], queued["incident"]) == ("ping", "pending", None)
    deliver_due(worker_id="test-worker")
    [delivery] = receiver.received("/ops")
    assert delivery.verified
    assert delivery.type == "ping"
    [logged] = client.get(f"/webhooks/{webhook['id']}/deliveries").json()
    assert (logged["id"], logged["state"]) == (queued["id"], "sent")
