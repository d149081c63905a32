"""Talking to Tocsin as Telegram does: updates shaped like the real samples, posted to the real
webhook with its secret; and reading Tocsin's cards back (the fake Bot API is fakes/telegram.py).
"""

import copy
import json

from django.test import Client

from tests.support.samples import sample
from tocsin.accounts.models import ContactKind, ContactMethod
from tocsin.incidents.models import Channel
from tocsin.incidents.services import declare
from tocsin.notify.models import OutboxMessage, Purpose

SECRET = "webhook-secret_42"
GROUP_ID = "-1001234567890"
BOB_TELEGRAM, CAROL_TELEGRAM, STRANGER_TELEGRAM = 5550001, 5550002, 5550099


def link(user, telegram_id, username) -> ContactMethod:
    return ContactMethod.objects.create(
        user=user,
        kind=ContactKind.TELEGRAM,
        address=str(telegram_id),
        label=f"@{username}",
        verified=True,
    )


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
