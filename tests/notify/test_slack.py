"""Slack: incidents in the team's channel with buttons, pages by DM, presses done as the presser.

Slack is a fake Web API on 127.0.0.1 (tests/support/fakes/slack.py) that speaks the documented
wire format; button presses are Slack's block_actions sample, signed the way Slack signs its
requests.
"""

import hashlib
import hmac
import json
import time
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.support.fakes.slack import FakeSlack
from tests.support.live import free_port
from tests.support.samples import sample
from tocsin.accounts.models import ContactKind, ContactMethod
from tocsin.incidents.models import Channel, Event, Status
from tocsin.incidents.services import declare, resolve
from tocsin.notify import channels
from tocsin.notify.channels.slack import escape
from tocsin.notify.chat import incident_url
from tocsin.notify.delivery import deliver_due
from tocsin.notify.models import ChatChannel, OutboxMessage, OutboxState, Purpose
from tocsin.notify.slack import Refused, may_reply_to, verify
from tocsin.oncall.escalation.engine import run_due_escalations
from tocsin.oncall.escalation.services import set_notification_rules

pytestmark = pytest.mark.django_db

SECRET = "e3b1c4a7d9f2tocsin0signing0secret"
URL = "/hooks/slack/interactivity"
CHANNEL = "C0PAYMENTS"


@pytest.fixture
def slack(settings):
    """The fake Slack, with Tocsin's bot token, signing secret and API URL pointing at it."""
    fake = FakeSlack().start()
    settings.SLACK_BOT_TOKEN = fake.token
    settings.SLACK_SIGNING_SECRET = SECRET
    settings.SLACK_API_URL = fake.api_url
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    yield fake
    fake.stop()


@pytest.fixture
def room(payments):
    return ChatChannel.objects.create(
        team=payments, kind="slack", chat_id=CHANNEL, name="#payments-incidents"
    )


def linked(user, member_id: str) -> ContactMethod:
    """`user` added their Slack member ID as a Slack contact method on their profile."""
    return ContactMethod.objects.create(user=user, kind=ContactKind.SLACK, address=member_id)


def deliver():
    return deliver_due(worker_id="test-worker")


def posted(purpose=Purpose.CHAT_POST) -> tuple[str, str]:
    """(channel, ts) of the live message Slack took."""
    message = OutboxMessage.objects.get(purpose=purpose, data__live=True)
    assert message.state == OutboxState.SENT, message.last_error
    channel, _, ts = message.provider_message_id.partition(":")
    return channel, ts


def signature(body: str, timestamp: int, secret: str = SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def block_actions(value: str, *, user: str, channel: str, ts: str, response_url: str) -> dict:
    """Slack's documented block_actions payload, as a press of one of Tocsin's buttons."""
    payload = sample("slack-block-actions.json")
    payload["user"] = {"id": user, "username": user.lower(), "team_id": payload["team"]["id"]}
    payload["container"] = {
        "type": "message",
        "message_ts": ts,
        "channel_id": channel,
        "is_ephemeral": False,
    }
    payload["channel"] = {"id": channel, "name": "payments-incidents"}
    payload["message"]["ts"] = ts
    payload["response_url"] = response_url
    action = payload["actions"][0]
    action.update(action_id=value.partition(":")[0], value=value)
    action["text"]["text"] = "I'll fix it"
    return payload


def press(client, slack, value, *, user, channel=CHANNEL, ts, secret=SECRET, age=0, headers=None):
    """POST a signed press to Tocsin as Slack does: `payload=<JSON>`, form-encoded."""
    payload = block_actions(
        value, user=user, channel=channel, ts=ts, response_url=slack.response_url()
    )
    body = urlencode({"payload": json.dumps(payload)})
    timestamp = int(time.time()) - age
    if headers is None:
        headers = {
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature(body, timestamp, secret),
        }
    return client.post(
        URL, data=body, content_type="application/x-www-form-urlencoded", headers=headers
    )


def replies(slack) -> list[str]:
    """The ephemeral answers Tocsin gave through response_url."""
    for call in slack.called("response_url"):
        assert call.arguments["response_type"] == "ephemeral"
        assert call.arguments["replace_original"] is False
    return [call.arguments["text"] for call in slack.called("response_url")]


def buttons(blocks) -> list[tuple]:
    [actions] = [b for b in blocks if b["type"] == "actions"]
    return [(e["action_id"], e.get("value"), e["text"]["text"]) for e in actions["elements"]]


def facts(blocks) -> str:
    return blocks[1]["text"]["text"]


# --- posting to the team's channel -----------------------------------------------------------


@pytest.mark.parametrize("key", ["P1", "P3"])
def test_every_incident_is_posted_to_the_teams_channel_with_its_buttons(
    slack, room, payments, lead, severities, key
):
    incident = declare(
        title="Checkout returns 502", severity=severities[key], team=payments, by=lead
    )

    deliver()

    [post] = slack.called("chat.postMessage")
    assert post.arguments["channel"] == CHANNEL
    assert post.headers["Authorization"] == f"Bearer {slack.token}"
    blocks = post.arguments["blocks"]
    headline = f"[{key}] {incident.reference} Checkout returns 502"
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": headline}}
    assert f"*Severity:* {severities[key]}" in facts(blocks)
    assert "*Team:* Payments\n*Status:* Triggered" in facts(blocks)
    pk = incident.pk
    assert buttons(blocks) == [
        ("ack", f"ack:{pk}", "I'll fix it"),
        ("res", f"res:{pk}", "Resolve"),
        ("open", None, "Open"),
    ]
    assert blocks[-1]["elements"][2]["url"] == incident_url(incident)
    assert post.arguments["text"].startswith(f"{headline}\nSeverity: {severities[key]}")
    channel, ts = posted()
    assert channel == CHANNEL and (CHANNEL, ts) in slack.messages


def test_user_content_cannot_mention_everyone(slack, room, payments, p3, lead, member):
    incident = declare(title="Disk <!channel> & co > 90%", severity=p3, team=payments, by=lead)
    deliver()
    resolve(incident=incident, by=member, via=Channel.WEB, resolution="Pinged <@U0ALL> & fixed")

    deliver()

    [post, notice] = slack.called("chat.postMessage")
    assert "Disk &lt;!channel&gt; &amp; co &gt; 90%" in post.arguments["text"]
    # A header's plain_text is never parsed for mentions: it is shown as written.
    assert post.arguments["blocks"][0]["text"]["text"].endswith("Disk <!channel> & co > 90%")
    [update] = slack.called("chat.update")
    assert "*Resolution:* Pinged &lt;@U0ALL&gt; &amp; fixed" in facts(update.arguments["blocks"])
    assert notice.arguments["text"].endswith(": Pinged &lt;@U0ALL&gt; &amp; fixed")
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"


# --- buttons ---------------------------------------------------------------------------------


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
    notice = slack.called("chat.postMessage")[-1]
    assert notice.arguments["thread_ts"] == ts
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


# --- delivery trouble ------------------------------------------------------------------------


def test_a_rate_limited_post_is_tried_again_after_slacks_retry_after(
    slack, room, payments, p3, lead
):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        declare(title="Slow search", severity=p3, team=payments, by=lead)
        slack.rate_limit_next("chat.postMessage", retry_after=30)

        deliver()

        message = OutboxMessage.objects.get(purpose=Purpose.CHAT_POST)
        assert message.state == OutboxState.PENDING
        assert message.next_attempt_at == timezone.now() + timedelta(seconds=30)
        assert "Slack is rate limiting chat.postMessage: try again in 30 s" in message.last_error

        traveller.shift(timedelta(seconds=29))
        deliver()
        assert len(slack.called("chat.postMessage")) == 1

        traveller.shift(timedelta(seconds=1))
        deliver()
        assert len(slack.called("chat.postMessage")) == 2
        assert posted()[0] == CHANNEL


def test_an_edit_waits_for_its_message_to_be_posted(slack, room, payments, p3, lead, member):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        incident = declare(title="Slow search", severity=p3, team=payments, by=lead)
        slack.rate_limit_next("chat.postMessage", retry_after=5)
        deliver()
        resolve(incident=incident, by=member, via=Channel.WEB, resolution="Index rebuilt")

        deliver()  # the edit and the resolution notice wait for the post
        assert slack.called("chat.update") == []
        assert len(slack.called("chat.postMessage")) == 1

        for _ in range(6):
            traveller.shift(timedelta(seconds=1))
            deliver()

    channel, ts = posted()
    [update] = slack.called("chat.update")
    assert (update.arguments["channel"], update.arguments["ts"]) == (channel, ts)
    assert slack.called("chat.postMessage")[-1].arguments["thread_ts"] == ts
    assert not OutboxMessage.objects.exclude(state=OutboxState.SENT).filter(channel="slack")


@pytest.mark.parametrize(
    "error, says",
    [
        ("channel_not_found", f"Slack has no channel {CHANNEL} that the bot can see"),
        ("not_in_channel", "invite it with /invite @Tocsin"),
        ("invalid_auth", "Slack refused the bot token (invalid_auth)"),
    ],
)
def test_a_message_slack_will_never_take_fails_with_slacks_reason(
    slack, room, payments, p3, lead, error, says
):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)
    slack.answer_next("chat.postMessage", 200, {"ok": False, "error": error})

    deliver()

    message = OutboxMessage.objects.get(purpose=Purpose.CHAT_POST)
    assert message.state == OutboxState.FAILED
    assert says in message.last_error and error in message.last_error
    failure = incident.timeline.get(kind=Event.PAGE_FAILED)
    assert failure.message.startswith("Chat post via slack (C0PAYMENTS) failed: ")


def test_when_slack_cannot_be_reached_the_post_is_kept_for_later(
    slack, settings, room, payments, p3, lead
):
    settings.SLACK_API_URL = f"http://127.0.0.1:{free_port()}/api/"
    declare(title="Slow search", severity=p3, team=payments, by=lead)

    deliver()

    message = OutboxMessage.objects.get(purpose=Purpose.CHAT_POST)
    assert message.state == OutboxState.PENDING and message.attempts == 1
    assert message.last_error.startswith("cannot reach Slack at http://127.0.0.1:")


def test_without_a_bot_token_slack_is_not_set_up(settings, room, payments, p3, lead):
    settings.SLACK_BOT_TOKEN = ""
    declare(title="Slow search", severity=p3, team=payments, by=lead)

    deliver()

    assert "slack" not in channels.available()
    assert OutboxMessage.objects.get(purpose=Purpose.CHAT_POST).state == OutboxState.PENDING


# --- pages by direct message -----------------------------------------------------------------


@pytest.mark.usefixtures("clock", "policy")
def test_a_page_by_slack_reaches_the_person_by_dm_and_is_acknowledged_there(
    client, slack, payments, p1, lead, member
):
    set_notification_rules(user=member, rules=[(linked(member, "U0BOB"), timedelta(0))])
    incident = declare(title="Checkout returns 502", severity=p1, team=payments, by=lead)
    run_due_escalations()

    deliver()

    [dm] = slack.called("chat.postMessage")
    assert dm.arguments["channel"] == "U0BOB"  # Slack opens the app's DM with Bob
    blocks = dm.arguments["blocks"]
    assert blocks[2]["text"]["text"] == "*Why you:* level 1: on call in 'Payments Europe/Berlin'"
    assert [b[0] for b in buttons(blocks)] == ["ack", "res", "open"]
    channel, ts = posted(Purpose.PAGE)
    assert channel == "D0BOB"

    press(client, slack, f"ack:{incident.pk}", user="U0BOB", channel=channel, ts=ts)
    deliver()

    incident.refresh_from_db()
    assert incident.acknowledged_by == member
    [update] = slack.called("chat.update")
    assert (update.arguments["channel"], update.arguments["ts"]) == ("D0BOB", ts)
    assert update.arguments["blocks"][2] == blocks[2]  # still says why
    assert [b[0] for b in buttons(update.arguments["blocks"])] == ["res", "open"]


@pytest.mark.usefixtures("clock", "policy")
def test_a_slack_page_slack_refuses_moves_on_to_the_next_contact_method_at_once(
    slack, payments, p1, lead, member
):
    work = member.contact_methods.get(kind=ContactKind.EMAIL)
    gone = linked(member, "U0GONE")
    set_notification_rules(user=member, rules=[(gone, timedelta(0)), (work, timedelta(hours=1))])
    declare(title="Checkout returns 502", severity=p1, team=payments, by=lead)
    run_due_escalations()
    slack.answer_next("chat.postMessage", 200, {"ok": False, "error": "channel_not_found"})

    deliver()
    run_due_escalations()  # the next rule was made due now, not in an hour

    page = OutboxMessage.objects.get(purpose=Purpose.PAGE, channel="slack")
    assert page.state == OutboxState.FAILED
    assert page.last_error.startswith("Slack has no member U0GONE the bot can write to")
    assert OutboxMessage.objects.filter(
        purpose=Purpose.PAGE, channel="email", address="bob@example.com"
    ).exists()
