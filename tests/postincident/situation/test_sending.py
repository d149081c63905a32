"""End to end: resolving e-mails the report to each stakeholder once, through a real SMTP
server, and replies with a link in the incident's Telegram and Slack threads; a regeneration
sends it again as an update, and a retry never sends twice."""

import pytest
from django.db import transaction

from tests.support.mailbox import html_of, text_of
from tests.support.outbox import deliver
from tests.support.web import BASE_URL
from tocsin.incidents.models import Channel, Event
from tocsin.incidents.services import resolve, update_details
from tocsin.notify.models import OutboxMessage, OutboxState
from tocsin.postincident.situation import sending
from tocsin.postincident.situation.services import regenerate

pytestmark = pytest.mark.django_db

STAKEHOLDERS = ["cfo@example.com", "dana@example.com", "press@example.org"]


def _deliver_everything():
    """Delivery rounds until nothing is due: a reply waits for the card it answers."""
    for _ in range(5):
        deliver()
        if not OutboxMessage.objects.filter(state=OutboxState.PENDING).exists():
            return
        OutboxMessage.objects.filter(state=OutboxState.PENDING).update(
            next_attempt_at=OutboxMessage.objects.earliest("created_at").created_at
        )
    raise AssertionError(
        list(OutboxMessage.objects.exclude(state=OutboxState.SENT).values("address", "last_error"))
    )


def _reports(smtp, address):
    return [m for m in smtp.to(address) if "situation report" in m["Subject"].lower()]


def test_resolving_mails_each_stakeholder_once_and_replies_in_the_chat_threads(
    smtp, telegram, slack, group, room, outage, stakeholders, member
):
    _deliver_everything()  # the incident's cards are in the chats
    [card] = [m for m in telegram.messages.values() if m["reply_to"] is None]
    [card_id] = [key[1] for key, m in telegram.messages.items() if m is card]
    [slack_card] = slack.called("chat.postMessage")
    card_ts = [ts for (_, ts), m in slack.messages.items() if "thread_ts" not in m][0]

    resolve(incident=outage, by=member, via=Channel.WEB, resolution="Rolled back <the> release")
    _deliver_everything()

    url = f"{BASE_URL}/incidents/{outage.pk}/#situation-report"
    for address in STAKEHOLDERS:
        [mail] = _reports(smtp, address)
        assert mail["Subject"] == f"Situation report: {outage.reference} Checkout returns 502"
        text = text_of(mail)
        assert "## Response time" in text and "## Who held which role" in text
        assert "Rolled back <the> release" in text, "the text part is the Markdown as written"
        assert f"{BASE_URL}/incidents/{outage.pk}/" in text
        html = html_of(mail)
        assert "<h4>The solution</h4>" in html
        assert "Rolled back &lt;the&gt; release" in html
    for address in STAKEHOLDERS:
        assert len(smtp.to(address)) == 1, f"{address} got one e-mail, not one per list"
    assert not _reports(smtp, "payments@example.com"), "the team's list is not a stakeholder"

    replies = [m for m in telegram.messages.values() if m["reply_to"] == card_id]
    assert [r["plain"] for r in replies if "Situation report" in r["plain"]] == [
        f"Situation report for {outage.reference}: {url}"
    ]
    threaded = [c.arguments for c in slack.called("chat.postMessage") if "thread_ts" in c.arguments]
    [report_line] = [a for a in threaded if "Situation report" in a["text"]]
    assert report_line["thread_ts"] == card_ts
    assert report_line["channel"] == room.chat_id
    assert url in report_line["text"]
    assert slack_card.arguments.get("thread_ts") is None

    sent = outage.timeline.filter(kind=Event.SITUATION_REPORT, message__contains="sent to")
    assert [e.message for e in sent] == ["Situation report sent to 3 stakeholders and 2 chats"]


def test_a_retry_sends_nothing_twice(smtp, telegram, group, outage, stakeholders, member):
    resolve(incident=outage, by=member, via=Channel.WEB, resolution="Rolled back")
    _deliver_everything()
    mails, chat_messages = len(smtp.messages), len(telegram.messages)

    report = outage.refresh().situation_report
    with transaction.atomic():  # what a retried reaction would queue again
        again = sending.mail_the_stakeholders(report) + sending.reply_in_the_threads(report)
    _deliver_everything()

    assert {message.state for message in again} == {OutboxState.SENT}
    assert (len(smtp.messages), len(telegram.messages)) == (mails, chat_messages)


def test_regenerating_after_an_edit_sends_the_update(
    smtp, telegram, group, outage, stakeholders, member, lead
):
    resolve(incident=outage, by=member, via=Channel.WEB, resolution="Rolled back")
    _deliver_everything()
    update_details(
        incident=outage, by=lead, via=Channel.WEB, impact_who="Shoppers in the EU and the UK"
    )

    report = regenerate(incident=outage, by=lead, via=Channel.WEB)
    _deliver_everything()

    assert report.generation == 2
    assert "Shoppers in the EU and the UK" in report.markdown
    for address in STAKEHOLDERS:
        first, update = _reports(smtp, address)
        assert update["Subject"] == (
            f"Updated situation report: {outage.reference} Checkout returns 502"
        )
        assert "Shoppers in the EU and the UK" in text_of(update)
        assert "Shoppers in the EU and the UK" not in text_of(first)
    lines = [m["plain"] for m in telegram.messages.values() if "Situation report" in m["plain"]]
    url = f"{BASE_URL}/incidents/{outage.pk}/#situation-report"
    assert lines == [
        f"Situation report for {outage.reference}: {url}",
        f"Situation report updated for {outage.reference}: {url}",
    ]
