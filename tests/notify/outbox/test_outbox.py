"""The outbox: one row per idempotency key, written inside the caller's transaction."""

import pytest
from django.db import IntegrityError, transaction

from tocsin.accounts.models import User
from tocsin.errors import PermissionDenied
from tocsin.notify.models import OutboxMessage, OutboxState
from tocsin.notify.outbox.services import enqueue, retry_now


def _enqueue(key="page:1:bob", **overrides):
    fields = {
        "idempotency_key": key,
        "channel": "email",
        "address": "bob@example.com",
        "subject": "[P1] INC-1 Checkout returns 502",
        "body_text": "Checkout returns 502",
        "purpose": "page",
    }
    fields.update(overrides)
    with transaction.atomic():
        return enqueue(**fields)


def test_enqueuing_twice_with_one_key_keeps_one_message(db):
    first = _enqueue()
    second = _enqueue(subject="something else", address="other@example.com")

    assert second.pk == first.pk
    assert OutboxMessage.objects.count() == 1
    message = OutboxMessage.objects.get()
    assert message.subject == "[P1] INC-1 Checkout returns 502"
    assert message.address == "bob@example.com"
    assert message.state == OutboxState.PENDING


def test_the_database_refuses_a_second_row_with_the_same_key(db):
    _enqueue()
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.create(
            idempotency_key="page:1:bob",
            channel="email",
            purpose="page",
            address="x@example.com",
            body_text="x",
        )


def test_enqueue_inside_a_transaction_leaves_that_transaction_usable(db):
    with transaction.atomic():
        enqueue(
            idempotency_key="k",
            channel="email",
            address="a@example.com",
            subject="s",
            body_text="t",
            purpose="page",
        )
        enqueue(
            idempotency_key="k",
            channel="email",
            address="a@example.com",
            subject="s",
            body_text="t",
            purpose="page",
        )
        # Still inside the same transaction, and it still works.
        assert OutboxMessage.objects.filter(idempotency_key="k").count() == 1


def test_a_message_rolls_back_with_the_transaction_that_queued_it(db):
    with pytest.raises(RuntimeError, match="changed my mind"), transaction.atomic():
        enqueue(
            idempotency_key="k",
            channel="email",
            address="a@example.com",
            subject="s",
            body_text="t",
            purpose="page",
        )
        raise RuntimeError("changed my mind")
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_enqueue_outside_a_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        enqueue(
            idempotency_key="k",
            channel="email",
            address="a@example.com",
            subject="s",
            body_text="t",
            purpose="page",
        )
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"channel": "carrier-pigeon"}, "unknown channel"),
        ({"purpose": "gossip"}, "unknown purpose"),
        ({"key": ""}, "idempotency key"),
        ({"address": ""}, "needs an address"),
    ],
)
def test_enqueue_refuses_what_it_cannot_deliver(db, overrides, complaint):
    with pytest.raises(ValueError, match=complaint):
        _enqueue(**overrides)
    assert not OutboxMessage.objects.exists()


def test_an_admin_can_send_failed_messages_again(client, db):
    message = _enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxState.FAILED, attempts=8, last_error="550 no such user"
    )
    admin = User.objects.create_superuser("root@example.com", "pw", display_name="Root")
    client.force_login(admin)

    listing = client.get("/admin/notify/outboxmessage/")
    response = client.post(
        "/admin/notify/outboxmessage/",
        {"action": "retry_now", "_selected_action": [message.pk]},
    )

    assert listing.status_code == 200
    assert "Send failed or waiting messages again now" in listing.content.decode()
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxState.PENDING, 0)


def test_sending_again_leaves_a_message_in_flight_alone(db):
    failed, sending = _enqueue(), _enqueue(key="in-flight")
    OutboxMessage.objects.filter(pk=failed.pk).update(state=OutboxState.FAILED, attempts=8)
    OutboxMessage.objects.filter(pk=sending.pk).update(state=OutboxState.SENDING, attempts=1)
    admin = User.objects.create_superuser("root@example.com", "pw", display_name="Root")

    again = retry_now(messages=OutboxMessage.objects.all(), by=admin)

    assert again == 1
    sending.refresh_from_db()
    assert (sending.state, sending.attempts) == (OutboxState.SENDING, 1)


def test_only_an_admin_sends_messages_again(db, lead):
    message = _enqueue()
    OutboxMessage.objects.filter(pk=message.pk).update(state=OutboxState.FAILED, attempts=8)

    with pytest.raises(PermissionDenied, match="only an admin"):
        retry_now(messages=OutboxMessage.objects.all(), by=lead)

    message.refresh_from_db()
    assert message.state == OutboxState.FAILED
