"""Slack, outbound: incidents in the team's channel with buttons, edited in place, replies in
their thread, pages by DM, and what happens when Slack refuses, limits or cannot be reached.

Slack is a fake Web API on 127.0.0.1 (tests/support/fakes/slack.py) that speaks the documented
wire format.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.support.live import free_port
from tests.support.outbox import deliver
from tests.support.slack import (
    CHANNEL,
    buttons,
    facts,
    linked,
    posted,
    press,
)
from tocsin.accounts.models import ContactKind
from tocsin.incidents.models import Channel, Event
from tocsin.incidents.services import declare, resolve
from tocsin.notify import channels
from tocsin.notify.channels.slack import escape
from tocsin.notify.conf import incident_url
from tocsin.notify.models import OutboxMessage, OutboxState, Purpose
from tocsin.oncall.escalation.engine import run_due_escalations
from tocsin.oncall.escalation.services import set_notification_rules

pytestmark = pytest.mark.django_db


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

    [post, notice, report] = slack.called("chat.postMessage")  # the situation report last
    assert "Disk &lt;!channel&gt; &amp; co &gt; 90%" in post.arguments["text"]
    assert "<!" not in report.arguments["text"] and "<@" not in report.arguments["text"]
    # A header's plain_text is never parsed for mentions: it is shown as written.
    assert post.arguments["blocks"][0]["text"]["text"].endswith("Disk <!channel> & co > 90%")
    [update] = slack.called("chat.update")
    assert "*Resolution:* Pinged &lt;@U0ALL&gt; &amp; fixed" in facts(update.arguments["blocks"])
    assert notice.arguments["text"].endswith(": Pinged &lt;@U0ALL&gt; &amp; fixed")
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"


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


def test_without_a_bot_token_a_chat_post_fails_at_once_with_the_reason(
    settings, room, payments, p3, lead
):
    settings.SLACK_BOT_TOKEN = ""
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)

    report = deliver()

    assert "slack" not in channels.available()
    assert report.failed == 1
    message = OutboxMessage.objects.get(purpose=Purpose.CHAT_POST)
    assert message.state == OutboxState.FAILED
    assert message.attempts == 0  # nothing was tried, and nothing will be
    assert message.last_error == (
        "not sent: Slack is not set up on this Tocsin (TOCSIN_SLACK_BOT_TOKEN is empty)"
    )
    [line] = incident.timeline.filter(kind=Event.PAGE_FAILED)
    assert line.message == (
        "Chat post via slack (C0PAYMENTS) failed: not sent: Slack is not set up on this Tocsin "
        "(TOCSIN_SLACK_BOT_TOKEN is empty)"
    )
    assert deliver().failed == 0  # once


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
