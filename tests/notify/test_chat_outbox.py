"""Chat, whatever the chat: what is queued for a team's group chat, and what its buttons do.

The Telegram and Slack channels send these outbox rows; their own tests drive real HTTP.
"""

import pytest

from tocsin.accounts.models import ContactKind, ContactMethod
from tocsin.incidents.models import Channel, Status
from tocsin.incidents.services import acknowledge, declare, reopen, resolve
from tocsin.notify import chat
from tocsin.notify.models import ChatChannel, OutboxMessage, Purpose

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(payments):
    return ChatChannel.objects.create(team=payments, kind="telegram", chat_id="-1001234567890")


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
    post, notice = _queued(Purpose.CHAT_POST)
    assert notice.body_text.startswith(f"{incident.reference} resolved by Bob Okafor at ")
    assert notice.body_text.endswith(": Index rebuilt")
    assert notice.data["reply_to"] == post.pk


def test_the_card_shows_the_owner_and_drops_the_acknowledge_button(payments, p3, lead, member):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)
    before = chat.card(incident)
    assert [b.label for b in before.buttons] == ["I'll fix it", "Resolve", "Open"]
    assert before.buttons[0].action == f"ack:{incident.pk}"

    acknowledge(incident=incident, by=member, via=Channel.WEB)

    after = chat.card(incident)
    assert [b.label for b in after.buttons] == ["Resolve", "Open"]
    status = dict(after.lines)["Status"]
    assert status.startswith("Working: Bob Okafor acknowledged at ") and status.endswith(" UTC")


def test_a_member_presses_ill_fix_it_and_owns_the_incident(payments, p3, lead, member):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)

    outcome = chat.press(f"ack:{incident.pk}", member, via=Channel.TELEGRAM)

    incident.refresh_from_db()
    assert outcome.ok and outcome.text == f"You own {incident.reference} now. Good luck!"
    assert (incident.status, incident.acknowledged_by) == (Status.ACKNOWLEDGED, member)
    assert incident.timeline.get(kind="acknowledged").via == Channel.TELEGRAM


def test_an_outsider_is_told_only_members_can_acknowledge(payments, p3, lead, outsider):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)

    outcome = chat.press(f"ack:{incident.pk}", outsider, via=Channel.TELEGRAM)

    incident.refresh_from_db()
    assert not outcome.ok
    assert "only members of Payments can acknowledge" in outcome.text
    assert incident.status == Status.TRIGGERED


def test_an_unlinked_chat_user_is_asked_to_link_first(payments, p3, lead):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)

    outcome = chat.press(f"ack:{incident.pk}", None, via=Channel.TELEGRAM)

    assert not outcome.ok and outcome.text.startswith("Link your chat account to Tocsin first")


def test_a_second_member_is_told_who_owns_it(payments, p3, lead, member):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)
    chat.press(f"ack:{incident.pk}", member, via=Channel.TELEGRAM)

    outcome = chat.press(f"ack:{incident.pk}", lead, via=Channel.TELEGRAM)

    assert not outcome.ok and "already acknowledged by Bob Okafor" in outcome.text


@pytest.mark.parametrize("data", ["", "ack:", "ack:x", "drop:1", "ack:999999"])
def test_foreign_or_stale_buttons_change_nothing(data, member):
    assert not chat.press(data, member, via=Channel.TELEGRAM).ok


def test_chat_accounts_map_to_people_by_link_or_verified_email(member, outsider):
    ContactMethod.objects.create(
        user=member, kind=ContactKind.TELEGRAM, address="111", verified=True
    )
    ContactMethod.objects.create(user=outsider, kind=ContactKind.TELEGRAM, address="333")
    ContactMethod.objects.create(
        user=outsider, kind=ContactKind.EMAIL, address="carol@corp.example", verified=True
    )

    assert chat.user_for("telegram", "111") == member
    assert chat.user_for("telegram", "222") is None
    assert chat.user_for("telegram", "333") is None, "an id typed in, never linked"
    assert chat.user_for("slack", "U1", email="CAROL@corp.example") == outsider


def test_reopening_says_so_in_the_chat_thread(group, payments, p3, lead, member):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)
    resolve(incident=incident, by=member, via=Channel.WEB, resolution="Index rebuilt")

    reopen(incident=incident, by=lead, via=Channel.WEB, reason="Slow again")

    post, _, notice = _queued(Purpose.CHAT_POST)
    assert notice.body_text == f"{incident.reference}: Reopened by Alice Novak: Slow again"
    assert notice.data["reply_to"] == post.pk
    assert len(_queued(Purpose.CHAT_EDIT)) == 2, "the live message shows it open again"
