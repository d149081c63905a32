"""What the chat channels (Telegram, Slack) share: which of its three kinds a message is, and
finding the posted message that an edit changes or a line in the thread answers.

A chat outbox message is a card (a post to a team's chat, or a page by direct message), an
edit of a card already posted, or a plain line in the incident's thread. Each chat's `Sender`
says how to send the three; the card itself is rendered at send time from chat_cards/card.py.
"""

from tocsin.incidents.models import Incident
from tocsin.notify.outbox.models import OutboxMessage, OutboxState, Purpose

from . import NotYet, PermanentError


def incident_of(message: OutboxMessage) -> Incident:
    if message.incident_id is None:
        raise PermanentError("a chat card needs an incident, and this message has none")
    return message.incident


def posted(pk: int | None, *, what: str) -> OutboxMessage | None:
    """The chat message (outbox row `pk`) to `what` ("edit", "reply to"), once it is posted.

    None if there is no such row; PermanentError if it was never posted; NotYet while it waits
    to be, so an edit or a reply goes out after the message it belongs to.
    """
    live = OutboxMessage.objects.filter(pk=pk).first() if pk else None
    if live is None:
        return None
    if live.state == OutboxState.FAILED:
        raise PermanentError(f"the message to {what} was never posted: {live.last_error}")
    if live.state != OutboxState.SENT or not live.provider_message_id:
        raise NotYet(f"waiting for the message to {what} to be posted")
    return live


class ChatSender:
    """Sends each kind of chat message the way its chat does (`post_card`, `edit`, `reply`)."""

    def send(self, message: OutboxMessage) -> str:
        if message.purpose == Purpose.CHAT_EDIT:
            live = posted(message.data.get("edits"), what="edit")
            if live is None:
                raise PermanentError("the message to edit no longer exists")
            return self.edit(message, live)
        if message.purpose == Purpose.PAGE or message.data.get("live"):
            return self.post_card(message)
        try:
            thread = posted(message.data.get("reply_to"), what="reply to")
        except PermanentError:
            thread = None  # the card never made it; the line still goes out on its own
        return self.reply(message, thread)

    def post_card(self, message: OutboxMessage) -> str:
        """Post the incident's card; returns the provider's id for the message."""
        raise NotImplementedError

    def edit(self, message: OutboxMessage, live: OutboxMessage) -> str:
        """Re-render the card posted as `live` to show the incident as it is now."""
        raise NotImplementedError

    def reply(self, message: OutboxMessage, thread: OutboxMessage | None) -> str:
        """Post `message.body_text`, in the thread of the card `thread` when there is one."""
        raise NotImplementedError

    def close(self) -> None:
        pass
