"""Chat cards, whatever the chat: what is queued for a team's group chat as its incidents change,
and what the card shows. The Telegram and Slack channels send these outbox rows; their own tests
drive real HTTP."""

import pytest

from tocsin.incidents.models import Channel
from tocsin.incidents.services import acknowledge, declare, reopen, resolve
from tocsin.notify.chat_cards.card import card
from tocsin.notify.models import OutboxMessage, Purpose

pytestmark = pytest.mark.django_db


def _queued(purpose) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(purpose=purpose).order_by("id"))


def test_every_incident_of_the_team_is_posted_to_its_chat(group, payments, p3, lead):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)

    [post] = _queued(Purpose.CHAT_POST)
    assert (post.channel, post.address, post.incident) == ("telegram", group.chat_id, incident)
    assert post.data == {"live": True, "chat": group.pk}
    assert post.body_text.startswith(f"[P3] {incident.reference} Slow search")


def test_a_team_without_chats_gets_no_chat_post(payments, p3, lead):
    declare(title="Slow search", severity=p3, team=payments, by=lead)

    assert _queued(Purpose.CHAT_POST) == []


def test_acknowledging_queues_an_edit_of_the_live_message(group, payments, p3, lead, member):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)
    [post] = _queued(Purpose.CHAT_POST)

    acknowledge(incident=incident, by=member, via=Channel.WEB)

    [edit] = _queued(Purpose.CHAT_EDIT)
    assert edit.data["edits"] == post.pk
    assert edit.address == post.address


def test_resolving_edits_the_message_and_posts_who_resolved_it(group, payments, p3, lead, member):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)
    resolve(incident=incident, by=member, via=Channel.WEB, resolution="Index rebuilt")

    assert len(_queued(Purpose.CHAT_EDIT)) == 1
    post, notice, report = _queued(Purpose.CHAT_POST)
    assert report.data["reply_to"] == post.pk  # the situation report, in the thread too
    assert notice.body_text.startswith(f"{incident.reference} resolved by Bob Okafor at ")
    assert notice.body_text.endswith(": Index rebuilt")
    assert notice.data["reply_to"] == post.pk


def test_the_card_shows_the_owner_and_drops_the_acknowledge_button(payments, p3, lead, member):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)
    before = card(incident)
    assert [b.label for b in before.buttons] == ["I'll fix it", "Resolve", "Open"]
    assert before.buttons[0].action == f"ack:{incident.pk}"

    acknowledge(incident=incident, by=member, via=Channel.WEB)

    after = card(incident)
    assert [b.label for b in after.buttons] == ["Resolve", "Open"]
    status = dict(after.lines)["Status"]
    assert status.startswith("Working: Bob Okafor acknowledged at ") and status.endswith(" UTC")


def test_reopening_says_so_in_the_chat_thread(group, payments, p3, lead, member):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)
    resolve(incident=incident, by=member, via=Channel.WEB, resolution="Index rebuilt")

    reopen(incident=incident, by=lead, via=Channel.WEB, reason="Slow again")

    post, _, _, notice = _queued(Purpose.CHAT_POST)  # the card, resolved, situation report
    assert notice.body_text == f"{incident.reference}: Reopened by Alice Novak: Slow again"
    assert notice.data["reply_to"] == post.pk
    assert len(_queued(Purpose.CHAT_EDIT)) == 2, "the live message shows it open again"
