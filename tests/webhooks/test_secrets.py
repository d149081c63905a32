"""A webhook's URL, the credentials in it and what its receiver answers are secrets.

The incident's timeline, which every viewer reads, names the webhook only; the delivery log,
shown only to the people who manage the webhook, has the URL with its credentials masked, the
status and the start of the answer.
"""

import base64
import json
import re
from datetime import timedelta

import pytest
from django.test import Client

from tests.support.api import ApiClient, assert_error
from tests.support.fakes.webhook_receiver import Answer
from tests.support.people import person
from tocsin.accounts.models import InstanceRole, MembershipRole
from tocsin.accounts.services import create_api_token
from tocsin.incidents.models import Event
from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.delivery.outcomes import MAX_ATTEMPTS
from tocsin.notify.models import OutboxMessage, OutboxState, Purpose
from tocsin.webhooks.services import create_webhook

pytestmark = pytest.mark.django_db

WORKER = "test-worker"
PATH = "/ops?api_key=k3y-s3cret"
ANSWER = "SECRET-ANSWER: token=xoxb-123 for the receiver's eyes only"


@pytest.fixture
def ops_bridge(receiver, lead, payments):
    """The Payments webhook "Ops bridge", with a password and an API key in its URL."""
    url = receiver.url(PATH).replace("http://", "http://ops:hunter2@")
    webhook = create_webhook(team=payments, name="Ops bridge", url=url, by=lead)
    receiver.secrets[PATH] = webhook.secret
    return webhook


def _leaks(text: str, receiver) -> list[str]:
    """The secrets of `ops_bridge` found in `text`."""
    secrets = ["hunter2", "k3y-s3cret", "ops:", "SECRET-ANSWER", "xoxb-123", f":{receiver.port}"]
    secrets.append("127.0.0.1")  # the address it was sent to
    return [secret for secret in secrets if secret in text]


def _message() -> OutboxMessage:
    return OutboxMessage.objects.get(purpose=Purpose.WEBHOOK)


def test_a_refused_delivery_names_only_the_webhook_on_the_timeline(
    ops_bridge, receiver, new_incident
):
    incident = new_incident()
    receiver.script[PATH] = [Answer(410, body=ANSWER)]

    assert deliver_due(worker_id=WORKER).failed == 1

    failure = incident.timeline.get(kind=Event.PAGE_FAILED)
    assert failure.message == "Webhook event via webhook “Ops bridge” failed: HTTP 410 Gone"
    assert _leaks(failure.message + json.dumps(failure.data), receiver) == []
    # The credentials still went to the receiver, as the URL says.
    [delivery] = receiver.received(PATH)
    assert delivery.headers["Authorization"] == "Basic " + base64.b64encode(b"ops:hunter2").decode()


def test_a_delivery_given_up_after_every_retry_names_only_the_webhook_too(
    ops_bridge, receiver, new_incident, traveller
):
    incident = new_incident()
    receiver.script[PATH] = [Answer(500, body=ANSWER)] * MAX_ATTEMPTS

    for attempt in range(1, MAX_ATTEMPTS + 1):
        deliver_due(worker_id=WORKER)
        if attempt < MAX_ATTEMPTS:
            # An attempt that will be retried writes nothing on the timeline.
            assert not incident.timeline.filter(kind=Event.PAGE_FAILED).exists()
        traveller.shift(timedelta(minutes=10))

    assert _message().state == OutboxState.FAILED
    failure = incident.timeline.get(kind=Event.PAGE_FAILED)
    assert failure.message == (
        "Webhook event via webhook “Ops bridge” failed: "
        f"gave up after {MAX_ATTEMPTS} attempts: HTTP 500 Internal Server Error"
    )
    assert _leaks(failure.message + json.dumps(failure.data), receiver) == []


def _viewer_lead(payments):
    return person(
        "vic@example.com",
        "Vic Viewer",
        team=payments,
        membership=MembershipRole.LEAD,
        role=InstanceRole.VIEWER,
    )


@pytest.mark.parametrize("who", ["viewer", "member", "viewer_lead"])
def test_who_does_not_manage_the_webhook_sees_no_url_credentials_or_answer(
    ops_bridge, receiver, new_incident, request, payments, who
):
    person_ = _viewer_lead(payments) if who == "viewer_lead" else request.getfixturevalue(who)
    incident = new_incident()
    receiver.script[PATH] = [Answer(410, body=ANSWER)]
    deliver_due(worker_id=WORKER)
    api = ApiClient(create_api_token(user=person_, name="test")[1])
    web = Client()
    web.force_login(person_)

    timeline = api.get(f"/incidents/{incident.reference}/timeline")
    assert timeline.status_code == 200
    failure = "Webhook event via webhook “Ops bridge” failed: HTTP 410 Gone"
    assert failure in [event["message"] for event in timeline.json()]
    assert _leaks(timeline.content.decode(), receiver) == []
    page = web.get(f"/incidents/{incident.pk}/")
    assert failure in page.content.decode()
    assert _leaks(page.content.decode(), receiver) == []
    assert _leaks(web.get(f"/incidents/{incident.pk}/live/").content.decode(), receiver) == []

    assert api.get("/webhooks").json() == []
    for path in (f"/webhooks/{ops_bridge.pk}", f"/webhooks/{ops_bridge.pk}/deliveries"):
        assert_error(api.get(path), 403, "permission_denied")
    listing = web.get("/webhooks/").content.decode()
    assert "Ops bridge" not in listing
    assert _leaks(listing, receiver) == []
    refused = web.get(f"/webhooks/{ops_bridge.pk}/", follow=True)
    assert refused.redirect_chain == [("/webhooks/", 302)]
    assert _leaks(refused.content.decode(), receiver) == []


MASKED = "http://***:***@127.0.0.1:{port}/ops?api_key=***"


def test_the_delivery_log_has_the_masked_url_the_status_and_the_answer(
    ops_bridge, receiver, new_incident, api_as, lead
):
    incident = new_incident()
    long_answer = ANSWER + " " + "x" * 300
    receiver.script[PATH] = [
        Answer(503, body=long_answer),
        Answer(410, body="  gone\n  for good  "),
    ]
    deliver_due(worker_id=WORKER)
    deliver_due(worker_id=WORKER, now=_message().next_attempt_at)

    response = api_as(lead).get(f"/webhooks/{ops_bridge.pk}/deliveries")

    assert response.status_code == 200
    [delivery] = response.json()
    assert (delivery["incident"], delivery["state"]) == (incident.reference, "failed")
    assert delivery["last_error"] == "HTTP 410 Gone"
    first, second = delivery["log"]
    masked = MASKED.format(port=receiver.port)
    assert first == {
        "attempt": 1,
        "at": first["at"],
        "url": masked,
        "address": "127.0.0.1",
        "status": 503,
        "response": long_answer[:200],
        "error": "",
    }
    assert (second["attempt"], second["status"], second["response"]) == (2, 410, "gone for good")
    assert "hunter2" not in response.content.decode()
    assert "k3y-s3cret" not in response.content.decode()
    # The webhook itself, for who manages it, has the URL in full.
    assert api_as(lead).get(f"/webhooks/{ops_bridge.pk}").json()["url"] == ops_bridge.url


def test_the_delivery_log_page_shows_the_same_to_the_lead(ops_bridge, receiver, new_incident, lead):
    new_incident()
    receiver.script[PATH] = [Answer(410, body=ANSWER)]
    deliver_due(worker_id=WORKER)
    web = Client()
    web.force_login(lead)

    page = web.get(f"/webhooks/{ops_bridge.pk}/").content.decode()

    log = re.search(r'<section[^>]*aria-labelledby="log-heading".*?</section>', page, re.S)
    assert log is not None
    log = log.group(0)
    assert MASKED.format(port=receiver.port) in log
    assert "at 127.0.0.1, answered HTTP 410" in log
    assert "HTTP 410 Gone" in log
    assert "SECRET-ANSWER: token=xoxb-123" in log
    assert "hunter2" not in log and "k3y-s3cret" not in log
    # The list of webhooks shows the URL masked too; the full one is in the settings form.
    listing = web.get("/webhooks/").content.decode()
    assert MASKED.format(port=receiver.port) in listing
    assert "hunter2" not in listing
    assert f'value="{ops_bridge.url}"' in page
