"""The worker's log says why each delivery is retried: the message, its channel and address,
the error and the next try; not only how many were retried."""

from tests.support.outbox import deliver, queued_email


def test_a_retry_is_logged_with_its_reason(smtp, db, notify_log):
    smtp.refuse["busy@example.com"] = "451 4.7.1 Greylisted, try again later"
    message = queued_email("grey", "busy@example.com")

    assert deliver().retried == 1

    message.refresh_from_db()
    [line] = [line for line in notify_log if "retried after" in line]
    assert line == (
        f"outbox message {message.pk} (team notification email to busy@example.com) retried "
        "after attempt 1: the mail server refused the recipient: 451 4.7.1 Greylisted, try "
        f"again later; next try at {message.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
    )


def test_a_failure_for_good_is_logged_with_its_address(smtp, db, notify_log):
    smtp.refuse["gone@example.com"] = "550 5.1.1 Recipient address rejected"
    message = queued_email("gone", "gone@example.com")

    assert deliver().failed == 1

    assert (
        f"outbox message {message.pk} (team notification email to gone@example.com) failed "
        "for good: the mail server refused the recipient: 550 5.1.1 Recipient address rejected"
    ) in notify_log
