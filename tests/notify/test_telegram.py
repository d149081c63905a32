"""Telegram: incidents posted to the team's group with buttons, presses that act as the person who
linked their account, the message edited in place, pages by direct message.

Tocsin talks to a fake Bot API on 127.0.0.1 (tests/support/fakes/telegram.py) over real HTTP;
updates come in through the real webhook view, shaped like the real sample in tests/samples.
"""

import copy
import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.support.fakes.telegram import FakeTelegram
from tests.support.samples import sample
from tocsin.accounts.models import ContactKind, ContactMethod
from tocsin.incidents.models import Channel, Event, Status
from tocsin.incidents.services import acknowledge, declare, resolve
from tocsin.notify import telegram as inbound
from tocsin.notify.delivery import deliver_due
from tocsin.notify.linking import new_link_code
from tocsin.notify.models import ChatChannel, ChatLinkCode, OutboxMessage, OutboxState, Purpose

pytestmark = pytest.mark.django_db

SECRET = "webhook-secret_42"
GROUP_ID = "-1001234567890"
BOB_TELEGRAM, CAROL_TELEGRAM, STRANGER_TELEGRAM = 5550001, 5550002, 5550099


@pytest.fixture
def telegram(settings):
    fake = FakeTelegram().start()
    settings.TELEGRAM_BOT_TOKEN = fake.token
    settings.TELEGRAM_API_URL = fake.url
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    yield fake
    fake.stop()


@pytest.fixture
def group(payments):
    return ChatChannel.objects.create(
        team=payments, kind="telegram", chat_id=GROUP_ID, name="#payments-incidents"
    )


def link(user, telegram_id, username) -> ContactMethod:
    return ContactMethod.objects.create(
        user=user,
        kind=ContactKind.TELEGRAM,
        address=str(telegram_id),
        label=f"@{username}",
        verified=True,
    )


@pytest.fixture
def bob_linked(member):
    return link(member, BOB_TELEGRAM, "bob")


def deliver():
    return deliver_due(worker_id="test")


def declare_p1(payments, p1, lead, title="Checkout returns 502"):
    return declare(title=title, severity=p1, team=payments, by=lead, via=Channel.WEB)


def buttons(markup: dict) -> list[str]:
    return [button["text"] for row in markup.get("inline_keyboard", []) for button in row]


def press_update(data: str, telegram_id: int, *, message_id: int | None = None) -> dict:
    """The real callback_query sample, pressed by `telegram_id` on a button carrying `data`."""
    update = copy.deepcopy(sample("telegram-update-callback-query.json"))
    query = update["callback_query"]
    query["data"] = data
    query["from"]["id"] = telegram_id
    if message_id is not None:  # a press in a chat, rather than on an inline message
        query.pop("inline_message_id", None)
        query["message"] = {
            "message_id": message_id,
            "date": 0,
            "chat": {"id": int(GROUP_ID), "type": "supergroup", "title": "Payments incidents"},
            "text": "…",
        }
    return update


def text_update(text: str, telegram_id: int, *, chat_id=None, chat_type="private", **sender):
    chat = {"id": chat_id or telegram_id, "type": chat_type}
    if chat_type != "private":
        chat["title"] = "Payments incidents"
    return {
        "update_id": 20001,
        "message": {
            "message_id": 7,
            "date": 0,
            "from": {"id": telegram_id, "is_bot": False, "first_name": "Bob", **sender},
            "chat": chat,
            "text": text,
        },
    }


def post(update, secret=SECRET, *, raw=None):
    headers = {} if secret is None else {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret}
    body = raw if raw is not None else json.dumps(update)
    return Client().post("/hooks/telegram/", body, content_type="application/json", **headers)


def the_post() -> OutboxMessage:
    return OutboxMessage.objects.get(purpose=Purpose.CHAT_POST, data__live=True)


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


def test_without_a_bot_token_messages_wait_instead_of_failing(
    telegram, group, payments, p1, lead, settings
):
    settings.TELEGRAM_BOT_TOKEN = ""
    declare_p1(payments, p1, lead)

    deliver()

    assert the_post().state == OutboxState.PENDING
    assert telegram.calls() == []


# --- Pressing the buttons ----------------------------------------------------------------------


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
    notice = telegram.calls("sendMessage")[-1]
    assert notice["reply_parameters"]["message_id"] == message_id
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


# --- Linking an account ----------------------------------------------------------------------


def test_a_person_links_telegram_with_the_code_from_their_profile(telegram, member):
    browser = Client()
    browser.force_login(member)
    page = browser.post("/profile/telegram/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    code = page.context["code"]
    assert f'value="/start {code}"' in page.content.decode()
    assert ChatLinkCode.objects.get(user=member).code_hash != code, "only a hash is stored"

    answer = post(text_update(f"/start {code}", BOB_TELEGRAM, username="bobokafor")).json()

    assert answer["method"] == "sendMessage" and answer["chat_id"] == BOB_TELEGRAM
    assert answer["text"].startswith("Linked to Bob Okafor.")
    method = member.contact_methods.get(kind=ContactKind.TELEGRAM)
    assert (method.address, method.label, method.verified) == (
        str(BOB_TELEGRAM),
        "@bobokafor",
        True,
    )
    assert inbound.telegram_user(BOB_TELEGRAM) == member


def test_the_profile_offers_linking(telegram, member):
    browser = Client()
    browser.force_login(member)
    page = browser.get("/profile/").content.decode()
    assert 'action="/profile/telegram/"' in page and "Link Telegram" in page


def test_without_a_bot_the_link_page_says_telegram_is_not_set_up(member, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    browser = Client()
    browser.force_login(member)
    page = browser.post("/profile/telegram/")
    assert "Telegram is not set up on this Tocsin" in page.content.decode()
    assert not ChatLinkCode.objects.exists()


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{dashed}"])
def test_a_code_may_be_typed_in_lower_case_or_with_dashes(telegram, member, typed):
    _, code = new_link_code(user=member)
    text = typed.format(code=code, lower=code.lower(), dashed=f"{code[:5]}-{code[5:]}")

    answer = post(text_update(f"/start {text}", BOB_TELEGRAM)).json()

    assert answer["text"].startswith("Linked to Bob Okafor.")


def test_a_wrong_code_links_nothing(telegram, member):
    new_link_code(user=member)

    answer = post(text_update("/start WRONGCODE2", BOB_TELEGRAM)).json()

    assert answer["text"].startswith("That code is not one Tocsin gave out.")
    assert not member.contact_methods.filter(kind=ContactKind.TELEGRAM).exists()


def test_an_expired_code_links_nothing(telegram, member):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _, code = new_link_code(user=member)
        clock.shift(timedelta(minutes=15))

        answer = post(text_update(f"/start {code}", BOB_TELEGRAM)).json()

    assert answer["text"].startswith("That code has expired: codes are valid for 15 minutes.")
    assert not member.contact_methods.filter(kind=ContactKind.TELEGRAM).exists()


def test_a_used_code_does_not_link_a_second_account(telegram, member):
    _, code = new_link_code(user=member)
    post(text_update(f"/start {code}", BOB_TELEGRAM))

    again = post(text_update(f"/start {code}", BOB_TELEGRAM)).json()
    other = post(text_update(f"/start {code}", STRANGER_TELEGRAM)).json()

    assert again["text"].startswith("Linked to Bob Okafor."), "Telegram may deliver twice"
    assert other["text"].startswith("That code has already been used.")
    assert inbound.telegram_user(STRANGER_TELEGRAM) is None
    assert member.contact_methods.filter(kind=ContactKind.TELEGRAM).count() == 1


def test_a_new_code_replaces_the_last(telegram, member):
    _, first = new_link_code(user=member)
    _, second = new_link_code(user=member)

    assert (
        post(text_update(f"/start {first}", BOB_TELEGRAM))
        .json()["text"]
        .startswith("That code is not one Tocsin gave out.")
    )
    assert (
        post(text_update(f"/start {second}", BOB_TELEGRAM))
        .json()["text"]
        .startswith("Linked to Bob Okafor.")
    )


def test_an_account_linked_to_someone_else_is_not_taken_over(telegram, member, outsider):
    link(outsider, BOB_TELEGRAM, "carol")
    _, code = new_link_code(user=member)

    answer = post(text_update(f"/start {code}", BOB_TELEGRAM)).json()

    assert answer["text"].startswith("This Telegram account is already linked to Carol Jensen.")
    assert inbound.telegram_user(BOB_TELEGRAM) == outsider


def test_a_code_posted_in_a_group_stops_working(telegram, member):
    _, code = new_link_code(user=member)

    warning = post(
        text_update(f"/start@TocsinBot {code}", BOB_TELEGRAM, chat_id=GROUP_ID, chat_type="group")
    ).json()
    later = post(text_update(f"/start {code}", STRANGER_TELEGRAM)).json()

    assert warning["text"].startswith("That code was posted in a group, so it no longer works.")
    assert warning["reply_parameters"]["message_id"] == 7
    assert later["text"].startswith("That code has already been used.")
    assert not ContactMethod.objects.filter(kind=ContactKind.TELEGRAM).exists()


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

    from tocsin.notify.services import enqueue_chat_page

    incident = declare_p1(payments, p1, lead)
    telegram.chat_refuses(BOB_TELEGRAM, 403, "Forbidden: bot was blocked by the user")
    with transaction.atomic():
        enqueue_chat_page(incident, member, bob_linked, reason="on call", idempotency_key="p:1")

    deliver()

    page = OutboxMessage.objects.get(purpose=Purpose.PAGE)
    assert page.state == OutboxState.FAILED
    assert page.last_error.endswith("Forbidden: bot was blocked by the user")
    failure = incident.timeline.get(kind=Event.PAGE_FAILED)
    assert failure.message.startswith("Page to Bob Okafor via Telegram")


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
