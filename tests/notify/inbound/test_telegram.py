"""Telegram, inbound: button presses that act as the person who linked their account, the
webhook that takes them (and refuses what Telegram did not send), bot commands, and long polling
and the webhook's setup for `tocsin telegram`.

Tocsin talks to a fake Bot API on 127.0.0.1 (tests/support/fakes/telegram.py) over real HTTP;
updates come in through the real webhook view, shaped like the real sample in tests/samples.
"""

import pytest
from django.test import Client

from tests.support.outbox import deliver
from tests.support.telegram import (
    BOB_TELEGRAM,
    CAROL_TELEGRAM,
    GROUP_ID,
    SECRET,
    STRANGER_TELEGRAM,
    buttons,
    declare_p1,
    link,
    post,
    press_update,
    text_update,
    the_post,
)
from tocsin.accounts.models import ContactKind, ContactMethod
from tocsin.incidents.models import Channel, Event, Status
from tocsin.notify.inbound import telegram as inbound
from tocsin.notify.models import OutboxMessage, OutboxState, Purpose

pytestmark = pytest.mark.django_db


# --- Pressing the buttons --------------------------------------------------------------------


def test_a_member_presses_ill_fix_it_and_the_message_shows_the_owner(
    telegram, group, payments, p1, lead, member, bob_linked
):
    incident = declare_p1(payments, p1, lead)
    deliver()
    message_id = int(the_post().provider_message_id)

    response = post(press_update(f"ack:{incident.pk}", BOB_TELEGRAM, message_id=message_id))

    assert response.status_code == 200
    assert response.json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": "4382bfdwdsb323b2d9",
        "text": f"You own {incident.reference} now. Good luck!",
        "show_alert": False,
    }
    incident.refresh_from_db()
    assert (incident.status, incident.acknowledged_by) == (Status.ACKNOWLEDGED, member)
    assert incident.timeline.get(kind=Event.ACKNOWLEDGED).via == Channel.TELEGRAM

    deliver()

    [edit] = telegram.calls("editMessageText")
    assert (edit["chat_id"], edit["message_id"]) == (GROUP_ID, message_id)
    shown = telegram.message(GROUP_ID, message_id)
    assert "Status: Working: Bob Okafor acknowledged at " in shown["plain"]
    assert buttons(shown["reply_markup"]) == ["Resolve", "Open"]
    assert OutboxMessage.objects.get(purpose=Purpose.CHAT_EDIT).state == OutboxState.SENT


def test_an_outsider_is_told_only_members_can_acknowledge(
    telegram, group, payments, p1, lead, outsider
):
    link(outsider, CAROL_TELEGRAM, "carol")
    incident = declare_p1(payments, p1, lead)
    deliver()

    answer = post(press_update(f"ack:{incident.pk}", CAROL_TELEGRAM)).json()

    assert answer["show_alert"] is True
    assert answer["text"] == (
        "Carol Jensen is not a member of Payments: only members of Payments can acknowledge"
    )
    incident.refresh_from_db()
    assert incident.status == Status.TRIGGERED
    assert not incident.timeline.filter(kind=Event.ACKNOWLEDGED).exists()
    assert not OutboxMessage.objects.filter(purpose=Purpose.CHAT_EDIT).exists()


@pytest.mark.parametrize("hand_typed", [False, True], ids=["no-link", "id-typed-on-a-profile"])
def test_an_unlinked_account_is_asked_to_link_first(
    telegram, group, payments, p1, lead, member, hand_typed
):
    if hand_typed:
        # Anybody may type any number as a contact method; it proves nothing about who presses.
        ContactMethod.objects.create(
            user=member, kind=ContactKind.TELEGRAM, address=str(STRANGER_TELEGRAM)
        )
    incident = declare_p1(payments, p1, lead)

    answer = post(press_update(f"ack:{incident.pk}", STRANGER_TELEGRAM)).json()

    assert answer["show_alert"] is True
    assert answer["text"].startswith("Link your chat account to Tocsin first")
    incident.refresh_from_db()
    assert incident.status == Status.TRIGGERED


def test_a_second_member_is_told_who_owns_it(
    telegram, group, payments, p1, lead, member, bob_linked
):
    link(lead, 5550003, "alice")
    incident = declare_p1(payments, p1, lead)
    post(press_update(f"ack:{incident.pk}", BOB_TELEGRAM))

    answer = post(press_update(f"ack:{incident.pk}", 5550003)).json()

    assert answer["show_alert"] is True
    assert "already acknowledged by Bob Okafor" in answer["text"]


# --- The webhook -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret", [None, "", "wrong-secret", SECRET + "x"], ids=["missing", "empty", "wrong", "longer"]
)
def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(
    telegram, group, payments, p1, lead, member, bob_linked, secret
):
    incident = declare_p1(payments, p1, lead)

    response = post(press_update(f"ack:{incident.pk}", BOB_TELEGRAM), secret=secret)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    incident.refresh_from_db()
    assert incident.status == Status.TRIGGERED


def test_without_a_configured_secret_every_webhook_is_refused(
    telegram, group, payments, p1, lead, member, bob_linked, settings
):
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    incident = declare_p1(payments, p1, lead)

    response = post(press_update(f"ack:{incident.pk}", BOB_TELEGRAM), secret="")

    assert response.status_code == 401
    assert "TOCSIN_TELEGRAM_WEBHOOK_SECRET" in response.json()["error"]["message"]
    incident.refresh_from_db()
    assert incident.status == Status.TRIGGERED


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", ""])
def test_a_body_that_is_not_an_update_is_a_400(telegram, raw):
    response = post(None, raw=raw)

    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("invalid_json", "invalid_update")


def test_other_kinds_of_update_are_accepted_and_ignored(telegram):
    for update in [
        {"update_id": 1, "edited_message": {"message_id": 1, "chat": {"id": 1}}},
        {"update_id": 2, "my_chat_member": {"chat": {"id": -100}}},
        {"update_id": 3},
    ]:
        response = post(update)
        assert (response.status_code, response.content) == (200, b"")


def test_a_webhook_only_takes_posts(telegram):
    response = Client().get("/hooks/telegram/", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET)
    assert response.status_code == 405


# --- Commands --------------------------------------------------------------------------------


def test_the_bot_explains_itself_in_a_direct_chat(telegram):
    for text in ["/start", "/help", "hello"]:
        answer = post(text_update(text, STRANGER_TELEGRAM)).json()
        assert "To link your Telegram account: open your profile in Tocsin" in answer["text"]


def test_chatid_in_a_group_tells_the_id_to_enter_on_the_team_page(telegram):
    answer = post(
        text_update("/chatid@TocsinBot", STRANGER_TELEGRAM, chat_id=GROUP_ID, chat_type="group")
    ).json()

    assert answer["chat_id"] == GROUP_ID
    assert answer["text"].startswith(f"The chat id of Payments incidents is {GROUP_ID}.")


def test_other_group_chatter_is_ignored(telegram):
    response = post(
        text_update("lunch?", STRANGER_TELEGRAM, chat_id=GROUP_ID, chat_type="supergroup")
    )
    assert (response.status_code, response.content) == (200, b"")


# --- Long polling and the webhook's setup ----------------------------------------------------


def test_polling_handles_a_press_and_answers_it(
    telegram, group, payments, p1, lead, member, bob_linked
):
    incident = declare_p1(payments, p1, lead)
    update = press_update(f"ack:{incident.pk}", BOB_TELEGRAM)
    telegram.queue_update(update)

    inbound.poll(timeout=0, rounds=2)

    [first, second] = telegram.calls("getUpdates")
    assert "offset" not in first and second["offset"] == update["update_id"] + 1
    assert first["allowed_updates"] == ["message", "callback_query"]
    [answer] = telegram.calls("answerCallbackQuery")
    assert answer["text"] == f"You own {incident.reference} now. Good luck!"
    incident.refresh_from_db()
    assert incident.acknowledged_by == member


def test_set_webhook_hands_telegram_the_url_and_the_secret(telegram, settings):
    settings.BASE_URL = "https://tocsin.example.org"

    url = inbound.set_webhook()

    assert url == "https://tocsin.example.org/hooks/telegram/"
    assert telegram.webhook == {
        "url": url,
        "secret_token": SECRET,
        "allowed_updates": ["message", "callback_query"],
    }
    with pytest.raises(inbound.SetupError, match="a webhook is set for this bot"):
        inbound.poll(timeout=0, rounds=1)


@pytest.mark.parametrize(
    "secret, url, problem",
    [
        ("", None, "TOCSIN_TELEGRAM_WEBHOOK_SECRET is not set"),
        ("has spaces in it", None, "must be 1 to 256 characters of A-Z"),
        (SECRET, "http://tocsin.example.org/hooks/telegram/", "only calls HTTPS webhooks"),
    ],
)
def test_set_webhook_explains_what_to_fix(telegram, settings, secret, url, problem):
    settings.TELEGRAM_WEBHOOK_SECRET = secret
    with pytest.raises(inbound.SetupError, match=problem):
        inbound.set_webhook(url)
    assert telegram.webhook == {}


def test_the_command_line_sets_and_deletes_the_webhook(telegram, capsys):
    from tocsin.cli import main

    assert main(["telegram", "set-webhook", "https://tocsin.example.org/hooks/telegram/"]) == 0
    assert telegram.webhook["url"] == "https://tocsin.example.org/hooks/telegram/"
    assert main(["telegram", "delete-webhook"]) == 0
    assert telegram.webhook == {}
    assert "Telegram webhook removed" in capsys.readouterr().out


def test_a_wrong_bot_token_is_reported_not_retried_forever(telegram, settings, capsys):
    from tocsin.cli import main

    settings.TELEGRAM_BOT_TOKEN = "999:wrong"
    assert main(["telegram", "poll", "--timeout", "0"]) == 1
    assert "Telegram refused the bot token (401 Unauthorized)" in capsys.readouterr().err
