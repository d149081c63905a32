"""The notify app's tables, for Django to load: each is defined in the sub-package whose job it
serves, and Django gives them all the app label "notify"."""

from .account_linking.models import ChatLinkCode
from .ack_links.models import AcknowledgeLinkUse
from .outbox.models import OutboxChannel, OutboxMessage, OutboxState, Purpose
from .team_chats.models import ChatChannel, ChatKind

__all__ = [
    "AcknowledgeLinkUse",
    "ChatChannel",
    "ChatKind",
    "ChatLinkCode",
    "OutboxChannel",
    "OutboxMessage",
    "OutboxState",
    "Purpose",
]
