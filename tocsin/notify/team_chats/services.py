"""A team's group chats (Telegram groups, Slack channels): added and removed by its leads."""

import re

from django.db import IntegrityError, transaction

from tocsin.accounts.models import Team, User
from tocsin.accounts.permissions import ensure_manages_team
from tocsin.errors import Conflict, NotFound, ValidationFailed

from .models import ChatChannel, ChatKind

# Ends the refusal "only an admin or a lead of Payments may change its chats".
CHANGE_CHATS = "change its chats"


def clean_chat_id(kind: str, chat_id: str) -> str:
    chat_id = (chat_id or "").strip()
    if kind == ChatKind.TELEGRAM:
        if not re.fullmatch(r"-?\d{1,20}", chat_id):
            raise ValidationFailed(
                f"{chat_id!r} is not a Telegram chat id; a group's id is a number such as "
                "-1001234567890 (send /chatid@YourBot in the group to see it)",
                field="chat_id",
            )
        return chat_id
    if kind == ChatKind.SLACK:
        channel = chat_id.upper()
        if not re.fullmatch(r"[CG][A-Z0-9]{2,20}", channel):
            raise ValidationFailed(
                f"{chat_id!r} is not a Slack channel ID; it looks like C0123ABCDEF (in Slack: "
                "the channel's name, About, at the bottom)",
                field="chat_id",
            )
        return channel
    raise ValidationFailed(f"unknown kind of chat {kind!r}", field="kind")


def add_team_chat(*, team: Team, kind: str, chat_id: str, name: str = "", by: User) -> ChatChannel:
    """From now on every new incident of `team` is posted to this chat."""
    ensure_manages_team(team, by, action=CHANGE_CHATS)
    chat_id = clean_chat_id(kind, chat_id)
    try:
        with transaction.atomic():
            return ChatChannel.objects.create(
                team=team, kind=kind, chat_id=chat_id, name=(name or "").strip()[:100]
            )
    except IntegrityError:
        raise Conflict(
            f"{team.name} already has the {ChatKind(kind).label} chat {chat_id}", field="chat_id"
        ) from None


def remove_team_chat(*, team: Team, chat_pk: int, by: User) -> ChatChannel:
    """New incidents are no longer posted there; messages already posted stay as they are."""
    ensure_manages_team(team, by, action=CHANGE_CHATS)
    chat = ChatChannel.objects.filter(team=team, pk=chat_pk).first()
    if chat is None:
        raise NotFound(f"{team.name} has no such chat")
    chat.delete()
    return chat
