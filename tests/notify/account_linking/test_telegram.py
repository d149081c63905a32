"""Linking a Telegram account: the profile gives a one-time code, and sending it to the bot in a
direct chat links that account to the person; a code that is wrong, old, used or posted in a
group links nobody.

The code goes to the bot through the real webhook, as Telegram sends it (support/telegram.py).
"""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.support.telegram import (
    BOB_TELEGRAM,
    GROUP_ID,
    STRANGER_TELEGRAM,
    link,
    post,
    text_update,
)
from tocsin.accounts.models import ContactKind, ContactMethod
from tocsin.notify.account_linking.services import new_link_code
from tocsin.notify.inbound import telegram as inbound
from tocsin.notify.models import ChatLinkCode

pytestmark = pytest.mark.django_db


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
