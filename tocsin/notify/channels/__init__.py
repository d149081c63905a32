"""Channels: one module per way out (email.py, telegram.py, slack.py here; webhooks/sender.py).

A channel module has a `Sender` class. The delivery loop makes one sender per channel per batch,
calls `send(message)` for each outbox message (returning the provider's message id) and
`close()` at the end, so a channel may keep one connection open for the whole batch. `send`
raises one of the errors below; anything else counts as transient. chat.py holds what the
Telegram and Slack senders share.

A sender class may also say that its channel is not set up here (`configured()`, below), or,
for e-mail, that its messages are kept here to be read on the Deliveries page instead of being
sent (`kept_here()`: no mail server is set up).
"""

from django.utils.module_loading import import_string


class DeliveryError(Exception):
    """`reason` is one line a person can act on; it lands in last_error and the timeline."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TransientError(DeliveryError):
    """This attempt failed but a later one may work (a 4xx reply, a dropped connection).

    `retry_after` (seconds) is the provider's own word on when to try again (Telegram's
    `retry_after`, Slack's `Retry-After`); without it the delivery loop backs off.
    """

    def __init__(self, reason: str, *, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class NotYet(TransientError):
    """Not this message's turn yet (an edit of a chat message that is not posted yet): tried
    again after `retry_after` (1 s unless said), without counting as a failed attempt."""


class Unreachable(TransientError):
    """The channel itself cannot be reached: the rest of its batch waits instead of trying."""


class OutcomeUnknown(TransientError):
    """The message was handed over but the provider never confirmed it (no reply to the end of
    SMTP DATA in time, or the connection dropped before it): it may well have arrived.

    Sending again at once would likely deliver it twice, so the delivery loop tries once more
    after a long pause, with the same `provider_message_id`, and then leaves it; it is never a
    failure that moves a page to the person's next contact method. The reason reads
    "`taken` but did not confirm it (`why`)".
    """

    def __init__(self, taken: str, *, why: str, provider_message_id: str):
        super().__init__(f"{taken} but did not confirm it ({why})")
        self.taken, self.why = taken, why
        self.provider_message_id = provider_message_id


class PermanentError(DeliveryError):
    """This message will never go through (a 5xx reply, an address that cannot exist)."""


SENDERS = {
    "email": "tocsin.notify.channels.email.Sender",
    "slack": "tocsin.notify.channels.slack.Sender",
    "telegram": "tocsin.notify.channels.telegram.Sender",
    "webhook": "tocsin.webhooks.sender.Sender",
}


def available() -> list[str]:
    """Channels that are set up here; the delivery loop claims only their messages, and fails
    those of a chat that is not set up (delivery/kept.py).

    A sender class may say whether its settings are present with a `configured()` class method
    (a chat needs its bot token); one without it is always available.
    """
    ready = []
    for channel, path in SENDERS.items():
        configured = getattr(import_string(path), "configured", None)
        if configured is None or configured():
            ready.append(channel)
    return ready


def kept_here(channel: str) -> str:
    """Why this channel's messages are kept here instead of being sent, or "" when they are sent.

    Only e-mail keeps: without a mail server (TOCSIN_SMTP_HOST empty) it is kept here, to be
    read on the Deliveries page.
    """
    kept = getattr(import_string(SENDERS[channel]), "kept_here", None)
    return kept() if kept is not None else ""


NOT_SET_UP = {
    "telegram": "Telegram is not set up on this Tocsin (TOCSIN_TELEGRAM_BOT_TOKEN is empty)",
    "slack": "Slack is not set up on this Tocsin (TOCSIN_SLACK_BOT_TOKEN is empty)",
}


def not_set_up() -> dict[str, str]:
    """The chat channels that are not set up here, each with the reason a person can act on."""
    ready = available()
    return {channel: reason for channel, reason in NOT_SET_UP.items() if channel not in ready}


def start_up_notes() -> list[str]:
    """What `tocsin serve` and `tocsin worker` say at start-up about where messages go."""
    kept = kept_here("email")
    if not kept:
        return []
    return [
        f"E-mail is kept here, not sent: {kept}. Read it on the Deliveries page (/deliveries/); "
        "set TOCSIN_SMTP_HOST (and TOCSIN_SMTP_PORT, TOCSIN_SMTP_USER, TOCSIN_SMTP_PASSWORD) "
        "to send it (docs/email.md)."
    ]


def sender_for(channel: str):
    return import_string(SENDERS[channel])()
