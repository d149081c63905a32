"""Telegram end to end: a real `tocsin serve` (web and worker), the fake Bot API on 127.0.0.1.

An incident declared for Payments is posted to its group by the server's own worker; a press
comes in through the real webhook URL; the worker then edits the group's message in place.
"""

import httpx
import pytest

from tests.support.fakes.telegram import FakeTelegram
from tests.support.live import LiveTocsin, wait_for

pytestmark = pytest.mark.processes

SECRET = "live-webhook-secret"
GROUP_ID = "-1009876543210"
BOB_TELEGRAM = 4242001

SETUP = f"""
from tocsin.accounts.models import ContactMethod, Membership, MembershipRole, Team
from tocsin.accounts.services import create_user
from tocsin.incidents.models import Severity
from tocsin.incidents.services import declare
from tocsin.notify.models import ChatChannel

payments = Team.objects.create(name="Payments", slug="payments")
alice = create_user(email="alice@example.com", display_name="Alice Novak")
bob = create_user(email="bob@example.com", display_name="Bob Okafor")
Membership.objects.create(team=payments, user=alice, role=MembershipRole.LEAD)
Membership.objects.create(team=payments, user=bob, role=MembershipRole.MEMBER)
ContactMethod.objects.create(
    user=bob, kind="telegram", address="{BOB_TELEGRAM}", label="@bob", verified=True
)
ChatChannel.objects.create(team=payments, kind="telegram", chat_id="{GROUP_ID}")
incident = declare(
    title="Checkout returns 502", severity=Severity.objects.get(key="P3"), team=payments, by=alice
)
emit([incident.pk, incident.reference])
"""


def test_a_press_through_the_real_server_acknowledges_and_the_worker_edits_the_message(
    tmp_path,
):
    telegram = FakeTelegram().start()
    tocsin = LiveTocsin(tmp_path, name="telegram")
    tocsin.env.update(
        TOCSIN_TELEGRAM_BOT_TOKEN=telegram.token,
        TOCSIN_TELEGRAM_API_URL=telegram.url,
        TOCSIN_TELEGRAM_WEBHOOK_SECRET=SECRET,
    )
    try:
        pk, reference = tocsin.python(SETUP)
        server = tocsin.serve(workers=1)

        [posted] = wait_for(lambda: telegram.calls("sendMessage"), what="the group post")
        assert posted["chat_id"] == GROUP_ID
        message_id = int(tocsin.value("SELECT provider_message_id FROM notify_outboxmessage"))

        update = {
            "update_id": 1,
            "callback_query": {
                "id": "live-press-1",
                "from": {"id": BOB_TELEGRAM, "is_bot": False, "first_name": "Bob"},
                "message": {
                    "message_id": message_id,
                    "date": 0,
                    "chat": {"id": int(GROUP_ID), "type": "supergroup"},
                },
                "chat_instance": "1",
                "data": f"ack:{pk}",
            },
        }
        url = f"{server.url}/hooks/telegram/"
        refused = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "no"})
        assert refused.status_code == 401
        answer = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})

        assert answer.status_code == 200
        assert answer.json()["text"] == f"You own {reference} now. Good luck!"
        wait_for(lambda: telegram.calls("editMessageText"), what="the edit")
        shown = telegram.message(GROUP_ID, message_id)
        assert "Status: Working: Bob Okafor acknowledged at " in shown["plain"]
        assert [b["text"] for b in shown["reply_markup"]["inline_keyboard"][0]] == ["Resolve"]
        assert (
            tocsin.value("SELECT via FROM incidents_timelineevent WHERE kind = 'acknowledged'")
            == "telegram"
        )
    finally:
        tocsin.close()
        telegram.stop()
