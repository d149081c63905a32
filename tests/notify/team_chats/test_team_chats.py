"""A team's chats on its page: everyone sees them; leads and admins add and remove them."""

import pytest

from tocsin.notify.models import ChatChannel

pytestmark = pytest.mark.django_db

GROUP_ID = "-1001234567890"


@pytest.fixture
def add(signed_in):
    """add(user, **fields) -> the team page after `user` posted the add-a-chat form."""

    def post(user, **fields):
        data = {"chat-kind": "telegram", "chat-chat_id": GROUP_ID, "chat-name": "#payments"}
        data.update({f"chat-{k}": v for k, v in fields.items()})
        return signed_in(user).post("/teams/payments/chats/", data, follow=True)

    return post


def test_a_lead_adds_the_teams_telegram_group(add, payments, lead):
    page = add(lead, chat_id=f" {GROUP_ID} ")

    chat = ChatChannel.objects.get()
    assert (chat.team, chat.kind, chat.chat_id, chat.name) == (
        payments,
        "telegram",
        GROUP_ID,
        "#payments",
    )
    text = page.content.decode()
    assert "New incidents of Payments will be posted to Telegram #payments." in text
    assert GROUP_ID in text and "Add a chat" in text


def test_members_see_the_chats_but_not_the_form(add, signed_in, payments, lead, member):
    add(lead)

    text = signed_in(member).get("/teams/payments/").content.decode()

    assert "#payments" in text and "Add a chat" not in text and "Remove" not in text


@pytest.mark.parametrize("who", ["member", "outsider", "viewer"])
def test_only_leads_and_admins_may_change_the_chats(add, payments, lead, who, request):
    page = add(request.getfixturevalue(who))

    assert "only an admin or a lead of Payments may change its chats" in page.content.decode()
    assert not ChatChannel.objects.exists()


def test_an_admin_may_add_and_remove(add, signed_in, payments, admin):
    add(admin)
    chat = ChatChannel.objects.get()

    page = signed_in(admin).post(f"/teams/payments/chats/{chat.pk}/remove/", follow=True)

    assert not ChatChannel.objects.exists()
    assert "no longer posted to Telegram #payments" in page.content.decode()


@pytest.mark.parametrize(
    "chat_id, problem",
    [("@payments", "is not a Telegram chat id"), ("", "This field is required")],
)
def test_a_chat_id_that_is_not_one_is_refused(add, payments, lead, chat_id, problem):
    page = add(lead, chat_id=chat_id)

    assert problem in page.content.decode()
    assert not ChatChannel.objects.exists()


def test_the_same_chat_twice_is_refused(add, payments, lead):
    add(lead)
    page = add(lead)

    assert "Payments already has the Telegram chat" in page.content.decode()
    assert ChatChannel.objects.count() == 1
