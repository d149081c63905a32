"""A button press, whatever the chat: done as the person who pressed, through the same services
as the web; a refusal says why. The Telegram and Slack handlers' own tests drive real HTTP."""

import pytest

from tocsin.accounts.models import ContactKind, ContactMethod
from tocsin.incidents.models import Channel, Status
from tocsin.incidents.services import declare
from tocsin.notify.inbound.press import press, user_for

pytestmark = pytest.mark.django_db


def test_a_member_presses_ill_fix_it_and_owns_the_incident(payments, p3, lead, member):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)

    outcome = press(f"ack:{incident.pk}", member, via=Channel.TELEGRAM)

    incident.refresh_from_db()
    assert outcome.ok and outcome.text == f"You own {incident.reference} now. Good luck!"
    assert (incident.status, incident.acknowledged_by) == (Status.ACKNOWLEDGED, member)
    assert incident.timeline.get(kind="acknowledged").via == Channel.TELEGRAM


def test_an_outsider_is_told_only_members_can_acknowledge(payments, p3, lead, outsider):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)

    outcome = press(f"ack:{incident.pk}", outsider, via=Channel.TELEGRAM)

    incident.refresh_from_db()
    assert not outcome.ok
    assert "only members of Payments can acknowledge" in outcome.text
    assert incident.status == Status.TRIGGERED


def test_an_unlinked_chat_user_is_asked_to_link_first(payments, p3, lead):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)

    outcome = press(f"ack:{incident.pk}", None, via=Channel.TELEGRAM)

    assert not outcome.ok and outcome.text.startswith("Link your chat account to Tocsin first")


def test_a_second_member_is_told_who_owns_it(payments, p3, lead, member):
    incident = declare(title="Slow search", severity=p3, team=payments, by=lead)
    press(f"ack:{incident.pk}", member, via=Channel.TELEGRAM)

    outcome = press(f"ack:{incident.pk}", lead, via=Channel.TELEGRAM)

    assert not outcome.ok and "already acknowledged by Bob Okafor" in outcome.text


@pytest.mark.parametrize("data", ["", "ack:", "ack:x", "drop:1", "ack:999999"])
def test_foreign_or_stale_buttons_change_nothing(data, member):
    assert not press(data, member, via=Channel.TELEGRAM).ok


def test_chat_accounts_map_to_people_by_link_or_verified_email(member, outsider):
    ContactMethod.objects.create(
        user=member, kind=ContactKind.TELEGRAM, address="111", verified=True
    )
    ContactMethod.objects.create(user=outsider, kind=ContactKind.TELEGRAM, address="333")
    ContactMethod.objects.create(
        user=outsider, kind=ContactKind.EMAIL, address="carol@corp.example", verified=True
    )

    assert user_for("telegram", "111") == member
    assert user_for("telegram", "222") is None
    assert user_for("telegram", "333") is None, "an id typed in, never linked"
    assert user_for("slack", "U1", email="CAROL@corp.example") == outsider


@pytest.mark.parametrize(
    "data", ["ack:²", "ack:٣", "ack:99999999999999999999999", "ack:", "nope:1"]
)
def test_a_button_that_is_not_tocsins_is_refused_by_name(payments, p3, lead, member, data):
    declare(title="Slow refunds", severity=p3, team=payments, by=lead)
    outcome = press(data, member, via=Channel.TELEGRAM)
    assert outcome.text == "This button is not one of Tocsin's."
