"""A chat message whose chat is not set up here (no bot token) is not kept waiting for ever: it
fails at once with the reason, once, and a page moves on to the person's next contact method."""

from datetime import timedelta

import pytest

from tests.support.outbox import deliver
from tests.support.slack import linked
from tocsin.incidents.models import Event
from tocsin.incidents.services import declare
from tocsin.notify.models import OutboxMessage, OutboxState, Purpose
from tocsin.oncall.escalation.engine import run_due_escalations
from tocsin.oncall.escalation.services import set_notification_rules


@pytest.mark.usefixtures("clock", "policy")
def test_a_page_queued_for_slack_fails_once_slack_is_gone_and_the_person_gets_e_mail(
    settings, payments, p1, lead, member, no_mail_server
):
    settings.SLACK_BOT_TOKEN = "xoxb-was-set"
    set_notification_rules(user=member, rules=[(linked(member, "U0BOB"), timedelta(0))])
    incident = declare(title="Checkout returns 502", severity=p1, team=payments, by=lead)
    run_due_escalations()
    settings.SLACK_BOT_TOKEN = ""  # the bot token was removed before the page went out

    deliver()

    dm = OutboxMessage.objects.get(purpose=Purpose.PAGE, channel="slack")
    assert dm.state == OutboxState.FAILED
    assert dm.attempts == 0
    assert "Slack is not set up on this Tocsin (TOCSIN_SLACK_BOT_TOKEN is empty)" in dm.last_error
    [line] = incident.timeline.filter(kind=Event.PAGE_FAILED)
    assert line.message == (
        "Page to Bob Okafor via Slack failed: not sent: Slack is not set up on this Tocsin "
        "(TOCSIN_SLACK_BOT_TOKEN is empty)"
    )
    assert "U0BOB" not in line.message
    # The next way to reach Bob, his e-mail address, was paged instead (and kept here).
    deliver()
    mail = OutboxMessage.objects.get(purpose=Purpose.PAGE, channel="email", recipient=member)
    assert mail.state == OutboxState.KEPT
    assert incident.timeline.filter(kind=Event.PAGE_FAILED).count() == 1


@pytest.mark.usefixtures("clock", "policy")
def test_no_page_is_queued_for_a_chat_that_is_not_set_up(
    settings, payments, p1, lead, member, no_mail_server
):
    settings.SLACK_BOT_TOKEN = ""
    set_notification_rules(user=member, rules=[(linked(member, "U0BOB"), timedelta(0))])
    incident = declare(title="Checkout returns 502", severity=p1, team=payments, by=lead)

    run_due_escalations()

    assert not OutboxMessage.objects.filter(channel="slack").exists()
    [line] = incident.timeline.filter(kind=Event.PAGE_FAILED)
    assert line.message.startswith("Could not page Bob Okafor via Slack")
    assert line.message.endswith("Slack is not set up on this Tocsin")
