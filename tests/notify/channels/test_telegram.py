"""Telegram, outbound: incidents posted to the team's group with buttons, the message edited in
place as the incident changes, replies in its thread, pages by direct message, and what happens
when Telegram refuses or cannot be reached.

Tocsin talks to a fake Bot API on 127.0.0.1 (tests/support/fakes/telegram.py) over real HTTP.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.support.outbox import deliver
from tests.support.telegram import (
    BOB_TELEGRAM,
    GROUP_ID,
    buttons,
    declare_p1,
    post,
    press_update,
    the_post,
)
from tocsin.incidents.models import Channel, Event
from tocsin.incidents.services import acknowledge, resolve
from tocsin.notify.models import OutboxMessage, OutboxState, Purpose

pytestmark = pytest.mark.django_db


# --- Posting ---------------------------------------------------------------------------------


def test_an_incident_is_posted_to_the_teams_group_with_its_buttons(
    telegram, group, payments, p1, lead
):
    incident = declare_p1(payments, p1, lead)

    deliver()

    [sent] = telegram.calls("sendMessage")
    assert sent["chat_id"] == GROUP_ID
    assert sent["parse_mode"] == "HTML"
    assert buttons(sent["reply_markup"]) == ["I'll fix it", "Resolve", "Open"]
    [ack, res, open_] = sent["reply_markup"]["inline_keyboard"][0]
    assert (ack["callback_data"], res["callback_data"]) == (
        f"ack:{incident.pk}",
        f"res:{incident.pk}",
    )
    assert open_["url"] == f"https://tocsin.example.org/incidents/{incident.pk}/"
    post = the_post()
    assert post.state == OutboxState.SENT
    shown = telegram.message(GROUP_ID, post.provider_message_id)
    assert shown["plain"].splitlines() == [
        f"[P1] {incident.reference} Checkout returns 502",
        "Severity: P1 Critical",
        "Team: Payments",
        "Status: Triggered",
    ]


def test_html_in_a_title_is_shown_as_typed_not_interpreted(telegram, group, payments, p1, lead):
    title = "<script>alert(1)</script> & <b>bold</b> 5 < 6"
    declare_p1(payments, p1, lead, title=title)

    deliver()

    [sent] = telegram.calls("sendMessage")
    assert "<script>" not in sent["text"] and "&lt;script&gt;" in sent["text"]
    assert the_post().state == OutboxState.SENT, "Telegram parsed it"
    first_line = telegram.message(GROUP_ID, the_post().provider_message_id)["plain"].split("\n")[0]
    assert first_line.endswith(title)


def test_a_local_base_url_gets_no_open_button_that_telegram_would_refuse(
    telegram, group, payments, p1, lead, settings
):
    settings.BASE_URL = "http://localhost:8000"
    declare_p1(payments, p1, lead)

    deliver()

    assert the_post().state == OutboxState.SENT
    assert buttons(telegram.calls("sendMessage")[0]["reply_markup"]) == ["I'll fix it", "Resolve"]


def test_a_rate_limit_is_retried_after_telegrams_retry_after(telegram, group, payments, p1, lead):
    declare_p1(payments, p1, lead)
    telegram.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)

    with time_machine.travel(timezone.now(), tick=False) as clock:
        deliver()
        post = the_post()
        assert post.state == OutboxState.PENDING
        assert post.next_attempt_at == timezone.now() + timedelta(seconds=7)
        assert "retry after 7" in post.last_error

        clock.shift(timedelta(seconds=6))
        deliver()
        assert len(telegram.calls("sendMessage")) == 1, "not before Telegram said"

        clock.shift(timedelta(seconds=1))
        deliver()
    post.refresh_from_db()
    assert post.state == OutboxState.SENT
    assert len(telegram.calls("sendMessage")) == 2


def test_a_chat_telegram_does_not_know_fails_for_good_and_says_so(
    telegram, group, payments, p1, lead
):
    incident = declare_p1(payments, p1, lead)
    telegram.chat_refuses(GROUP_ID, 400, "Bad Request: chat not found")

    deliver()

    post = the_post()
    assert post.state == OutboxState.FAILED
    assert post.last_error == f"Telegram refused chat {GROUP_ID}: Bad Request: chat not found"
    failure = incident.timeline.get(kind=Event.PAGE_FAILED)
    assert "Bad Request: chat not found" in failure.message


def test_telegram_out_of_reach_leaves_messages_waiting(telegram, group, payments, p1, lead):
    declare_p1(payments, p1, lead)
    telegram.stop()

    deliver()

    post = the_post()
    assert post.state == OutboxState.PENDING
    assert post.last_error.startswith("cannot reach the Telegram Bot API at http://127.0.0.1:")
    assert telegram.token not in post.last_error


def test_without_a_bot_token_messages_fail_at_once_instead_of_waiting_for_ever(
    telegram, group, payments, p1, lead, settings
):
    settings.TELEGRAM_BOT_TOKEN = ""
    declare_p1(payments, p1, lead)

    deliver()

    post = the_post()
    assert post.state == OutboxState.FAILED
    assert post.last_error == (
        "not sent: Telegram is not set up on this Tocsin (TOCSIN_TELEGRAM_BOT_TOKEN is empty)"
    )
    assert telegram.calls() == []


# --- Resolving and other changes -------------------------------------------------------------


def test_resolving_edits_the_message_and_replies_who_resolved_it(
    telegram, group, payments, p1, lead, member
):
    incident = declare_p1(payments, p1, lead)
    deliver()
    message_id = int(the_post().provider_message_id)

    resolve(incident=incident, by=member, via=Channel.API, resolution="Rolled back <v2>")
    deliver()

    [edit] = telegram.calls("editMessageText")
    assert edit["message_id"] == message_id
    shown = telegram.message(GROUP_ID, message_id)
    assert "Status: Resolved by Bob Okafor at " in shown["plain"]
    assert "Resolution: Rolled back <v2>" in shown["plain"]
    assert buttons(shown["reply_markup"]) == ["Open"]
    notice, report = telegram.calls("sendMessage")[-2:]  # then the situation report
    assert notice["reply_parameters"]["message_id"] == message_id
    assert report["reply_parameters"]["message_id"] == message_id
    assert report["text"].startswith(f"Situation report for {incident.reference}")
    assert notice["text"].startswith(f"{incident.reference} resolved by Bob Okafor at ")
    assert notice["text"].endswith(": Rolled back <v2>")


def test_edits_that_find_the_message_already_up_to_date_count_as_done(
    telegram, group, payments, p1, lead, member
):
    incident = declare_p1(payments, p1, lead)
    deliver()
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    resolve(incident=incident, by=member, via=Channel.WEB, resolution="Fixed")

    deliver()

    # Both edits render the incident as it is now: the second one changes nothing.
    edits = OutboxMessage.objects.filter(purpose=Purpose.CHAT_EDIT)
    assert [e.state for e in edits] == [OutboxState.SENT, OutboxState.SENT]
    assert len(telegram.calls("editMessageText")) == 2
    assert telegram.message(GROUP_ID, the_post().provider_message_id)["edits"] == 1


def test_an_edit_waits_for_its_message_without_using_up_attempts(
    telegram, group, payments, p1, lead, member
):
    incident = declare_p1(payments, p1, lead)
    telegram.fail("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        deliver()
        acknowledge(incident=incident, by=member, via=Channel.WEB)
        deliver()
        edit = OutboxMessage.objects.get(purpose=Purpose.CHAT_EDIT)
        assert (edit.state, edit.attempts) == (OutboxState.PENDING, 0)
        assert telegram.calls("editMessageText") == []

        clock.shift(timedelta(seconds=3))
        deliver()
        clock.shift(timedelta(seconds=1))
        deliver()
    edit.refresh_from_db()
    assert edit.state == OutboxState.SENT
    shown = telegram.message(GROUP_ID, the_post().provider_message_id)
    assert "Bob Okafor acknowledged" in shown["plain"]


def test_a_deleted_message_fails_its_edit_for_good(telegram, group, payments, p1, lead, member):
    incident = declare_p1(payments, p1, lead)
    deliver()
    telegram.messages.clear()  # someone deleted it in the group

    acknowledge(incident=incident, by=member, via=Channel.WEB)
    deliver()

    edit = OutboxMessage.objects.get(purpose=Purpose.CHAT_EDIT)
    assert edit.state == OutboxState.FAILED
    assert edit.last_error.endswith("Bad Request: message to edit not found")


# --- Pages by direct message -----------------------------------------------------------------


def test_a_page_by_telegram_direct_message_has_the_reason_and_the_buttons(
    telegram, payments, p1, lead, member, bob_linked
):
    from tocsin.oncall.escalation.engine import run_due_escalations
    from tocsin.oncall.escalation.services import (
        LevelSpec,
        TargetSpec,
        create_policy,
        set_notification_rules,
    )

    create_policy(
        team=payments,
        name="Payments default",
        by=lead,
        levels=[LevelSpec(timedelta(minutes=5), [TargetSpec("user", user=member)])],
    )
    set_notification_rules(user=member, rules=[(bob_linked, timedelta(0))])
    incident = declare_p1(payments, p1, lead)

    run_due_escalations()
    deliver()

    [sent] = telegram.calls("sendMessage")
    assert sent["chat_id"] == str(BOB_TELEGRAM), "a private chat's id is the user's id"
    assert buttons(sent["reply_markup"]) == ["I'll fix it", "Resolve", "Open"]
    page = OutboxMessage.objects.get(purpose=Purpose.PAGE)
    assert page.state == OutboxState.SENT
    shown = telegram.message(BOB_TELEGRAM, page.provider_message_id)
    assert shown["plain"].splitlines()[-1] == f"Why you: {page.data['reason']}"

    # Bob presses the button in his direct chat; his page is edited like the group's message.
    answer = post(press_update(f"ack:{incident.pk}", BOB_TELEGRAM)).json()
    assert answer["show_alert"] is False
    deliver()
    shown = telegram.message(BOB_TELEGRAM, page.provider_message_id)
    assert "Bob Okafor acknowledged" in shown["plain"]
    assert shown["plain"].splitlines()[-1].startswith("Why you: "), "the reason stays"
    assert buttons(shown["reply_markup"]) == ["Resolve", "Open"]


def test_a_person_who_blocked_the_bot_is_not_reached_and_the_page_fails(
    telegram, payments, p1, lead, member, bob_linked
):
    from django.db import transaction

    from tocsin.notify.chat_cards.services import enqueue_chat_page

    incident = declare_p1(payments, p1, lead)
    telegram.chat_refuses(BOB_TELEGRAM, 403, "Forbidden: bot was blocked by the user")
    with transaction.atomic():
        enqueue_chat_page(incident, member, bob_linked, reason="on call", idempotency_key="p:1")

    deliver()

    page = OutboxMessage.objects.get(purpose=Purpose.PAGE, recipient=member, channel="telegram")
    assert page.state == OutboxState.FAILED
    assert page.last_error.endswith("Forbidden: bot was blocked by the user")
    failure = incident.timeline.get(kind=Event.PAGE_FAILED)
    assert failure.message.startswith("Page to Bob Okafor via Telegram")
