"""A provider that says when to try again is believed; a chat edit waits for its message.

A stand-in channel answers from a script, so these tests pin down the delivery loop's own rules;
the real channels' tests drive their real HTTP APIs.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tocsin.notify import channels
from tocsin.notify.channels import NotYet, TransientError
from tocsin.notify.delivery.loop import backoff, deliver_due
from tocsin.notify.models import OutboxMessage, OutboxState
from tocsin.notify.outbox.services import enqueue

pytestmark = pytest.mark.django_db

SCRIPT: list[Exception | str] = []


class ScriptedSender:
    def send(self, message):
        outcome = SCRIPT.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def close(self):
        pass


@pytest.fixture
def scripted(monkeypatch, traveller):
    """Telegram sends through ScriptedSender, on stopped time (the `traveller` it returns)."""
    monkeypatch.setitem(channels.SENDERS, "telegram", f"{__name__}.ScriptedSender")
    SCRIPT.clear()
    return traveller


def _message() -> OutboxMessage:
    with transaction.atomic():
        return enqueue(
            idempotency_key="chat:1",
            channel="telegram",
            address="-100123",
            subject="s",
            body_text="t",
            purpose="chat_post",
        )


def test_a_rate_limit_is_retried_after_the_providers_retry_after(scripted):
    message = _message()
    SCRIPT[:] = [TransientError("Too Many Requests: retry after 7", retry_after=7), "42"]

    deliver_due(worker_id="w")
    message.refresh_from_db()
    assert message.state == OutboxState.PENDING
    assert message.next_attempt_at == timezone.now() + timedelta(seconds=7)
    assert timedelta(seconds=7) != backoff(1), "not the usual backoff"

    scripted.shift(timedelta(seconds=7))
    deliver_due(worker_id="w")
    message.refresh_from_db()
    assert (message.state, message.provider_message_id) == (OutboxState.SENT, "42")


def test_not_yet_waits_without_using_up_attempts(scripted):
    message = _message()
    SCRIPT[:] = [NotYet("the message to edit is not posted yet")] * 20 + ["43"]

    for _ in range(20):
        deliver_due(worker_id="w")
        scripted.shift(timedelta(seconds=1))
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.PENDING, 0)
    assert message.last_error == "the message to edit is not posted yet"

    deliver_due(worker_id="w")
    message.refresh_from_db()
    assert message.state == OutboxState.SENT
