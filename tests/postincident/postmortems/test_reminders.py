"""Reminders through the outbox e-mail, once a day at most: the author of a draft past its due
date, and reviewers who have not answered within two days."""

from datetime import timedelta

from tocsin.notify.models import OutboxMessage
from tocsin.postincident import tasks
from tocsin.postincident.postmortems.services import review, send_reminders


def _reminders():
    return OutboxMessage.objects.filter(data__notice__in=["overdue", "review-pending"])


def test_the_worker_runs_the_reminders():
    assert [job.name for job in tasks.PERIODIC if job.run is send_reminders] == [
        "post-mortems: reminders"
    ]


def test_nothing_is_due_before_the_due_date(postmortem, friday):
    friday.shift(timedelta(days=7))  # Friday 11 December, the due date itself
    assert send_reminders() == 0
    assert not _reminders().exists()


def test_an_overdue_draft_reminds_its_author_once_a_day(postmortem, bob, friday):
    friday.shift(timedelta(days=8))  # Saturday 12 December
    assert send_reminders() == 1
    mail = _reminders().get()
    assert mail.address == bob.email
    assert mail.subject == (
        f"[{postmortem.incident.reference}] The post-mortem of “Checkout returns 502” is overdue"
    )
    assert "was due on Fri 11 Dec 2026 and is still draft" in mail.body_text
    assert f"/postmortems/{postmortem.pk}/" in mail.body_text
    assert send_reminders() == 0  # the same day: not again
    friday.shift(timedelta(days=1))
    assert send_reminders() == 1
    assert _reminders().count() == 2
    assert (
        postmortem.incident.timeline.filter(
            message="Post-mortem overdue (due Fri 11 Dec 2026): Bob Okafor reminded"
        ).count()
        == 2
    )


def test_a_postmortem_in_review_does_not_remind_its_author(in_review, friday):
    friday.shift(timedelta(days=8))
    send_reminders()
    assert not _reminders().filter(data__notice="overdue").exists()


def test_pending_reviewers_are_reminded_after_two_days(in_review, alice, carol, friday):
    review(postmortem=in_review, by=alice, verdict="approve")
    friday.shift(timedelta(days=1))
    assert send_reminders() == 0
    friday.shift(timedelta(days=1))
    assert send_reminders() == 1
    mail = _reminders().get()
    assert mail.address == carol.email  # Alice has answered
    assert "have not approved it or requested changes yet" in mail.body_text
    assert send_reminders() == 0


def test_a_reminder_reaches_the_author_over_smtp(postmortem, bob, friday, smtp):
    from tests.support.mailbox import text_of
    from tocsin.notify.delivery.loop import deliver_due

    friday.shift(timedelta(days=8))
    send_reminders()
    deliver_due(worker_id="test-worker")
    [received] = smtp.to(bob.email)
    assert received["Subject"].strip() == (
        f"[{postmortem.incident.reference}] The post-mortem of “Checkout returns 502” is overdue"
    )
    assert f"https://tocsin.example.org/postmortems/{postmortem.pk}/" in text_of(received)
