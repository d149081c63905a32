"""Slack, inbound: a button pressed on an incident message is done as the person who pressed it,
found by the e-mail Slack vouches for or the member ID on their profile; a request Slack did not
sign, just now, changes nothing.

Slack is a fake Web API on 127.0.0.1 (tests/support/fakes/slack.py) that speaks the documented
wire format; button presses are Slack's block_actions sample, signed the way Slack signs its
requests (tests/support/slack.py).
"""

import json
import time
from urllib.parse import urlencode

import pytest
import time_machine
from django.urls import reverse

from tests.support.outbox import deliver
from tests.support.samples import sample
from tests.support.slack import (
    CHANNEL,
    URL,
    block_actions,
    buttons,
    facts,
    linked,
    posted,
    press,
    replies,
    signature,
)
from tocsin.accounts.models import ContactKind
from tocsin.http import Refused
from tocsin.incidents.models import Channel, Event, Status
from tocsin.notify.inbound.slack import may_reply_to, verify
from tocsin.notify.models import OutboxMessage, Purpose

pytestmark = pytest.mark.django_db


# --- Who pressed, and what it did ------------------------------------------------------------


def test_a_linked_member_presses_ill_fix_it_and_owns_the_incident(
    client, slack, room, incident, member
):
    linked(member, "U0BOB")
    deliver()
    channel, ts = posted()

    response = press(client, slack, f"ack:{incident.pk}", user="U0BOB", ts=ts)

    assert response.status_code == 200
    incident.refresh_from_db()
    assert (incident.status, incident.acknowledged_by) == (Status.ACKNOWLEDGED, member)
    assert incident.timeline.get(kind=Event.ACKNOWLEDGED).via == Channel.SLACK
    assert replies(slack) == [f"You own {incident.reference} now. Good luck!"]
    # Slack was asked for the account's e-mail first (it vouches for it; a typed member ID
    # does not), and had none for it: the one person who entered the member ID pressed.
    assert [c.arguments for c in slack.called("users.info")] == [{"user": "U0BOB"}]

    deliver()

    [update] = slack.called("chat.update")
    assert (update.arguments["channel"], update.arguments["ts"]) == (channel, ts)
    blocks = update.arguments["blocks"]
    assert [b[0] for b in buttons(blocks)] == ["res", "open"]
    assert "*Status:* Working: Bob Okafor acknowledged at " in facts(blocks)
    assert slack.messages[channel, ts]["blocks"] == blocks


def test_pressing_resolve_in_slack_resolves_and_says_so_in_the_thread(
    client, slack, room, incident, member
):
    linked(member, "U0BOB")
    deliver()
    channel, ts = posted()

    press(client, slack, f"res:{incident.pk}", user="U0BOB", ts=ts)
    deliver()

    incident.refresh_from_db()
    assert (incident.status, incident.resolved_by) == (Status.RESOLVED, member)
    assert replies(slack) == [f"{incident.reference} is resolved."]
    [update] = slack.called("chat.update")
    assert [b[0] for b in buttons(update.arguments["blocks"])] == ["open"]
    notice, report = slack.called("chat.postMessage")[-2:]  # then the situation report
    assert notice.arguments["thread_ts"] == ts
    assert report.arguments["thread_ts"] == ts
    assert notice.arguments["text"].startswith(f"{incident.reference} resolved by Bob Okafor")


def test_someone_outside_the_team_is_refused_and_nothing_changes(
    client, slack, room, incident, outsider
):
    linked(outsider, "U0CAROL")
    deliver()
    _, ts = posted()

    response = press(client, slack, f"ack:{incident.pk}", user="U0CAROL", ts=ts)

    assert response.status_code == 200  # Slack shows the reason, not an error
    [text] = replies(slack)
    assert "only members of Payments can acknowledge" in text
    incident.refresh_from_db()
    assert (incident.status, incident.acknowledged_by) == (Status.TRIGGERED, None)
    assert not incident.timeline.filter(kind=Event.ACKNOWLEDGED).exists()
    assert not OutboxMessage.objects.filter(purpose=Purpose.CHAT_EDIT).exists()
    deliver()
    assert slack.called("chat.update") == []


def test_an_unlinked_slack_account_is_matched_by_its_slack_email(
    client, slack, room, incident, other_member
):
    slack.emails["U0ERIN"] = "Erin@Example.com"
    deliver()
    _, ts = posted()

    press(client, slack, f"ack:{incident.pk}", user="U0ERIN", ts=ts)

    incident.refresh_from_db()
    assert incident.acknowledged_by == other_member
    [lookup] = slack.called("users.info")
    assert lookup.arguments["user"] == "U0ERIN"


def test_a_person_links_slack_with_their_member_id_on_their_profile(client, member):
    client.force_login(member)

    client.post(reverse("contact-method-add"), {"kind": "slack", "address": " u012ab3cd4e "})
    refused = client.post(reverse("contact-method-add"), {"kind": "slack", "address": "@bob"})

    assert member.contact_methods.get(kind=ContactKind.SLACK).address == "U012AB3CD4E"
    assert refused.status_code == 200
    assert "is not a Slack member ID; it looks like U012AB3CD4E" in refused.content.decode()


def test_a_member_id_claimed_by_two_people_is_settled_by_the_slack_email(
    client, slack, room, incident, member, outsider
):
    linked(member, "U0BOB")
    linked(outsider, "U0BOB")  # Carol typed in Bob's member ID as hers
    slack.emails["U0BOB"] = "bob@example.com"
    deliver()
    _, ts = posted()

    press(client, slack, f"ack:{incident.pk}", user="U0BOB", ts=ts)

    incident.refresh_from_db()
    assert incident.acknowledged_by == member


def test_a_member_id_typed_in_by_someone_else_does_not_beat_the_slack_email(
    client, slack, room, incident, member, outsider
):
    linked(outsider, "U0BOB")  # only Carol claims Bob's member ID
    slack.emails["U0BOB"] = "bob@example.com"
    deliver()
    _, ts = posted()

    press(client, slack, f"ack:{incident.pk}", user="U0BOB", ts=ts)

    incident.refresh_from_db()
    assert incident.acknowledged_by == member, "Bob pressed, as Slack says; not Carol"


def test_an_unknown_slack_account_is_told_how_to_link_and_nothing_changes(
    client, slack, room, incident
):
    deliver()
    _, ts = posted()

    press(client, slack, f"ack:{incident.pk}", user="U0NOBODY", ts=ts)

    [text] = replies(slack)
    assert text.startswith("Tocsin does not know your Slack account yet. Add your Slack member ID")
    assert "U0NOBODY" in text and "/profile/" in text
    incident.refresh_from_db()
    assert incident.status == Status.TRIGGERED


# --- Requests Slack did not send -------------------------------------------------------------


@pytest.mark.parametrize(
    "how, code",
    [
        ({"secret": "not-the-signing-secret"}, "signature_invalid"),
        ({"age": 6 * 60}, "timestamp_stale"),
        ({"age": -6 * 60}, "timestamp_stale"),
        ({"headers": {}}, "signature_missing"),
        (
            {"headers": {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}},
            "timestamp_invalid",
        ),
    ],
)
def test_a_request_not_signed_by_slack_now_is_refused_and_changes_nothing(
    client, slack, room, incident, member, how, code
):
    linked(member, "U0BOB")
    deliver()
    _, ts = posted()

    response = press(client, slack, f"ack:{incident.pk}", user="U0BOB", ts=ts, **how)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    incident.refresh_from_db()
    assert incident.status == Status.TRIGGERED
    assert not incident.timeline.filter(kind=Event.ACKNOWLEDGED).exists()
    assert replies(slack) == [] and slack.called("users.info") == []


def test_an_oversized_request_is_refused_before_it_is_read(client, slack, settings, incident):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    response = press(client, slack, f"ack:{incident.pk}", user="U0BOB", ts="1.2")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_answers_go_only_to_slacks_own_response_urls(slack):
    assert may_reply_to("https://hooks.slack.com/actions/T0001/1234/abcd")
    assert may_reply_to(slack.response_url())  # the API host configured (a proxy, the tests)
    assert not may_reply_to("https://hooks.slack.com.evil.example/actions/T0001/1234/abcd")
    assert not may_reply_to("http://hooks.slack.com/actions/T0001/1234/abcd")
    assert not may_reply_to("http://169.254.169.254/latest/meta-data/")


def test_without_a_signing_secret_every_press_is_refused(client, slack, settings, incident):
    settings.SLACK_SIGNING_SECRET = ""

    response = press(client, slack, f"ack:{incident.pk}", user="U0BOB", ts="1.2")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "not_configured"


def test_the_open_link_button_is_acknowledged_and_does_nothing(
    client, slack, room, incident, member
):
    linked(member, "U0BOB")
    deliver()
    _, ts = posted()
    payload = block_actions("ack:1", user="U0BOB", channel=CHANNEL, ts=ts, response_url="")
    payload["actions"][0] = {"action_id": "open", "type": "button", "action_ts": "1.2"}
    body = urlencode({"payload": json.dumps(payload)})
    now = int(time.time())
    headers = {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": signature(body, now)}

    response = client.post(
        URL, data=body, content_type="application/x-www-form-urlencoded", headers=headers
    )

    assert response.status_code == 200
    incident.refresh_from_db()
    assert incident.status == Status.TRIGGERED
    assert replies(slack) == []


def test_slacks_own_signing_example_verifies(client, settings):
    example = sample("slack-signing-example.json")
    headers = example["headers"]
    body = example["raw_body"].encode()
    timestamp = int(headers["X-Slack-Request-Timestamp"])
    sign = headers["X-Slack-Signature"]

    verify(body, str(timestamp), sign, secret=example["signing_secret"], now=timestamp + 299)
    with pytest.raises(Refused, match="does not match"):
        verify(body + b"x", str(timestamp), sign, secret=example["signing_secret"], now=timestamp)

    # Through the endpoint: signed right, so refused only for not being a button press.
    settings.SLACK_SIGNING_SECRET = example["signing_secret"]
    with time_machine.travel(timestamp + 1, tick=False):
        response = client.post(
            URL, data=body, content_type=example["content_type"], headers=headers
        )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "payload_invalid"
