"""Overdue action items: their owner is e-mailed once a day through the outbox, until the item
is done or won't be done."""

from datetime import timedelta

import pytest

from tocsin.notify.models import OutboxMessage
from tocsin.postincident import tasks
from tocsin.postincident.actions.reminders import send_overdue_reminders
from tocsin.postincident.actions.services import change_status, create_action_item

from .conftest import TODAY


def _reminders():
    return OutboxMessage.objects.filter(data__notice="action-item-overdue")


@pytest.fixture
def canary(postmortem, bob, dave):
    return create_action_item(
        incident=postmortem.incident,
        by=bob,
        kind="prevent",
        title="Add a canary stage to checkout deploys",
        owner=dave,
        due_on=TODAY + timedelta(days=14),
    )


def test_the_worker_runs_the_reminders():
    assert [job.name for job in tasks.PERIODIC if job.run is send_overdue_reminders] == [
        "action items: overdue reminders"
    ]


def test_nothing_is_sent_on_the_due_date(canary, friday):
    friday.shift(timedelta(days=14))
    assert send_overdue_reminders() == 0
    assert not _reminders().exists()


def test_an_overdue_item_reminds_its_owner_once_a_day(canary, dave, friday):
    friday.shift(timedelta(days=15))
    assert send_overdue_reminders() == 1
    mail = _reminders().get()
    assert mail.address == dave.email
    assert mail.subject == (
        f"[{canary.incident.reference}] Action item overdue: Add a canary stage to checkout deploys"
    )
    assert "was due on Fri 18 Dec 2026 and is still open" in mail.body_text
    assert send_overdue_reminders() == 0  # the same day: not again
    friday.shift(timedelta(days=1))
    assert send_overdue_reminders() == 1
    assert _reminders().count() == 2
    assert (
        canary.incident.timeline.filter(
            message="Action item overdue (due Fri 18 Dec 2026): Dave Ito reminded"
        ).count()
        == 2
    )


def test_a_done_item_is_not_reminded(canary, dave, friday):
    change_status(item=canary, by=dave, status="done")
    friday.shift(timedelta(days=20))
    assert send_overdue_reminders() == 0
    assert not _reminders().exists()


def test_the_reminder_reaches_the_owner_over_smtp(canary, dave, friday, smtp):
    from tests.support.mailbox import text_of
    from tocsin.notify.delivery.loop import deliver_due

    friday.shift(timedelta(days=15))
    send_overdue_reminders()
    deliver_due(worker_id="test-worker")
    [received] = smtp.to(dave.email)
    assert received["Subject"].strip() == (
        f"[{canary.incident.reference}] Action item overdue: Add a canary stage to checkout deploys"
    )
    assert "https://tocsin.example.org/follow-ups/" in text_of(received)
    assert smtp.to("bob@example.com") == []
