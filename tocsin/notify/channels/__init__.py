"""Channels: one module per way out (email now; telegram, slack, webhook later).

A channel module has a `Sender` class. The delivery loop makes one sender per channel per batch,
calls `send(message)` for each outbox message (returning the provider's message id) and
`close()` at the end, so a channel may keep one connection open for the whole batch. `send`
raises one of the errors below; anything else counts as transient.
"""

from django.utils.module_loading import import_string


class DeliveryError(Exception):
    """`reason` is one line a person can act on; it lands in last_error and the timeline."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TransientError(DeliveryError):
    """This attempt failed but a later one may work (a 4xx reply, a dropped connection)."""


class Unreachable(TransientError):
    """The channel itself cannot be reached: the rest of its batch waits instead of trying."""


class PermanentError(DeliveryError):
    """This message will never go through (a 5xx reply, an address that cannot exist)."""


SENDERS = {
    "email": "tocsin.notify.channels.email.Sender",
}


def available() -> list[str]:
    """Channels that have a sender; messages for the others wait until theirs is installed."""
    return list(SENDERS)


def sender_for(channel: str):
    return import_string(SENDERS[channel])()
