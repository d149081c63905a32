"""The delivery loop: claim due outbox messages, send them outside a transaction, record results.

A claim is a lease. Claiming sets `state=sending`, `claimed_by`, `claimed_at` and pushes
`next_attempt_at` to the end of a short lease (CLAIM_LEASE), in a transaction that commits
before anything is sent; on PostgreSQL the rows are picked with SELECT … FOR UPDATE SKIP
LOCKED, so several workers never claim the same row. Just before sending, the worker renews the
lease (to LEASE, enough for one send) with a conditional UPDATE that only matches while the
claim is still its own (`claimed_at` is the fencing token), so a message whose lease ran out
while it waited in the batch is skipped, not sent twice.

A worker that dies leaves its rows `sending`; once their lease is over (CLAIM_LEASE for those it
had not tried, LEASE for the one it was sending), they are due again and another worker sends
them, with the same Message-ID (see docs/operations.md). A worker whose lease ran out during a
send marks nothing when it ends: the row is the new owner's.

A message the provider took but never confirmed (OutcomeUnknown) is not a failure: it is tried
once more after UNCONFIRMED_PAUSE, with the same id, and then left `sent`, unconfirmed; the
person's next contact method is not paged for it.

Messages are delivered in lanes (lanes.py): each lane has threads of its own in the worker, and
`claim_due(lane=…)` takes only that lane's messages, so a slow destination holds up only its
lane. In a lane that sends one at a time to each destination (webhooks), a claim takes the
messages of one destination that has nothing in flight, under a lease that has not run out.

A page is checked against its incident just before it is sent: one that no longer needs anyone
(acknowledged, resolved, cancelled) is dropped instead, and a page e-mail is rendered from the
incident as it is then, not as it was when it was queued.
"""

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from tocsin.incidents.models import Channel, Event, Incident
from tocsin.incidents.services import record
from tocsin.notify import channels
from tocsin.notify.channels import (
    NotYet,
    OutcomeUnknown,
    PermanentError,
    TransientError,
    Unreachable,
)
from tocsin.notify.emails.content import page_email
from tocsin.notify.outbox.models import OutboxChannel, OutboxMessage, OutboxState, Purpose
from tocsin.notify.outbox.pages import no_longer_needed, record_delivered, record_dropped

from .lanes import Lane, in_lane
from .signals import delivery_failed, delivery_sent

logger = logging.getLogger("tocsin.notify")

# A send must finish well inside the lease, or another worker may take the message over; an SMTP
# operation gives up after TOCSIN_SMTP_TIMEOUT (10 s), a whole SMTP send after 45 s
# (channels/email.py SEND_DEADLINE).
LEASE = timedelta(seconds=60)
BACKOFF_FIRST = timedelta(seconds=10)
BACKOFF_MAX = timedelta(minutes=10)
MAX_ATTEMPTS = 8  # 10 s, 20 s, 40 s … about 20 minutes from the first try to giving up
BATCH_SECONDS = 15.0  # after this, the rest of a batch goes back to pending for the next round
DRAIN_SECONDS = 3.0  # deliver_due_now keeps claiming full batches for this long
# A claimed message waits its turn in the batch under this shorter lease, renewed to LEASE just
# before it is sent: a worker that dies holds its untried messages for seconds, not a minute.
# Longer than BATCH_SECONDS, so every message is tried (or given back) before it runs out.
CLAIM_LEASE = timedelta(seconds=BATCH_SECONDS + 5)
# A message the provider took but never confirmed (OutcomeUnknown) is tried once more after this
# long, with the same id: a late confirmation or the mail itself has had time to arrive by then.
UNCONFIRMED_PAUSE = timedelta(minutes=10)


@dataclass
class Report:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0  # claimed but not tried: channel unreachable or the batch ran out of time
    lost: int = 0  # the lease ran out before the message's turn and another worker has it
    dropped: int = 0  # a page whose incident no longer needed anyone
    unconfirmed: int = 0  # handed over, never confirmed: tried again later, or left as it is

    def __iadd__(self, other: "Report") -> "Report":
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))
        return self


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


# Lanes whose destinations (the outbox row's `address`) receive one message at a time.
ONE_AT_A_TIME = {Lane.WEBHOOKS}
# A worker's threads of such a lane take turns to claim, so two of them never pick the same
# destination (on SQLite every claim already takes the database lock).
_one_at_a_time_claims = threading.Lock()


def claim_due(
    *, now: datetime, limit: int, worker_id: str, lane: Lane | None = None
) -> list[OutboxMessage]:
    """Take up to `limit` due messages (of `lane`, else any) for `worker_id`; commit the claim."""
    due = OutboxMessage.objects.filter(
        state__in=(OutboxState.PENDING, OutboxState.SENDING),
        next_attempt_at__lte=now,
        channel__in=channels.available(),
    )
    if lane is not None:
        due = due.filter(in_lane(lane))
    if not due.exists():
        return []  # a plain read first: an idle worker takes no lock
    if lane in ONE_AT_A_TIME:
        with _one_at_a_time_claims:
            return _claim(due, now=now, limit=limit, worker_id=worker_id, lane=lane)
    return _claim(due, now=now, limit=limit, worker_id=worker_id, lane=None)


def _claim(due, *, now: datetime, limit: int, worker_id: str, lane: Lane | None):
    with transaction.atomic():
        due = due.select_related("incident", "recipient").order_by("next_attempt_at", "id")
        if lane is not None:
            # One destination with nothing in flight: the first due one.
            in_flight = OutboxMessage.objects.filter(
                in_lane(lane), state=OutboxState.SENDING, next_attempt_at__gt=now
            ).values("address")
            first = due.exclude(address__in=in_flight).values_list("address", flat=True)[:1]
            if not first:
                return []
            due = due.filter(address=first[0])
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        # SQLite has no row locks: its IMMEDIATE transactions serialise claims instead.
        messages = list(due[:limit])
        if messages:
            OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
                state=OutboxState.SENDING,
                claimed_by=worker_id,
                claimed_at=now,
                next_attempt_at=now + CLAIM_LEASE,
            )
    for message in messages:
        message.state, message.claimed_by, message.claimed_at = OutboxState.SENDING, worker_id, now
        message.next_attempt_at = now + CLAIM_LEASE
    return messages


def _mine(message: OutboxMessage):
    """The row, as long as this worker's claim on it still stands."""
    return OutboxMessage.objects.filter(
        pk=message.pk,
        state=OutboxState.SENDING,
        claimed_by=message.claimed_by,
        claimed_at=message.claimed_at,
    )


def _start_attempt(message: OutboxMessage) -> bool:
    """Renew the lease for one send and count the attempt; False if the claim was lost."""
    started = timezone.now()
    renewed = _mine(message).update(
        claimed_at=started, next_attempt_at=started + LEASE, attempts=F("attempts") + 1
    )
    if renewed:
        message.claimed_at, message.next_attempt_at = started, started + LEASE
        message.attempts += 1
    return bool(renewed)


def _mark_sent(message: OutboxMessage, provider_message_id: str) -> bool:
    """Mark it sent while the claim is still this worker's; False if the claim was lost.

    A worker that lost its claim (its lease ran out mid-send and another worker took the message,
    which will send it again with the same id) marks nothing, writes nothing on the timeline and
    announces nothing: the row is its new owner's.
    """
    now = timezone.now()
    with transaction.atomic():
        marked = _mine(message).update(
            state=OutboxState.SENT,
            sent_at=now,
            provider_message_id=provider_message_id[:255],
            last_error="",
        )
        if not marked:
            logger.warning(
                "outbox message %s was sent but its claim was lost meanwhile; not marked sent",
                message.pk,
            )
            return False
        message.state, message.sent_at = OutboxState.SENT, now
        message.provider_message_id = provider_message_id
        if message.purpose == Purpose.PAGE and message.incident is not None:
            record_delivered(message)
        delivery_sent.send(sender=OutboxMessage, message=message)
    return True


def _give_back(message: OutboxMessage, note: str, *, at: datetime, uncount=False) -> bool:
    """Make a claimed message pending again, due at `at`; False if the claim was lost.

    For a failed attempt (a retry) and for a message not tried at all (the rest of a batch);
    `uncount` takes back the attempt just counted, when it was not the message's turn yet.
    """
    changes = {"state": OutboxState.PENDING, "next_attempt_at": at, "last_error": note[:2000]}
    if uncount:
        changes["attempts"] = F("attempts") - 1
    if not _mine(message).update(**changes):
        return False
    message.state, message.next_attempt_at, message.last_error = OutboxState.PENDING, at, note
    if uncount:
        message.attempts -= 1
    return True


def describe_failure(message: OutboxMessage, reason: str) -> str:
    """The timeline line: "Page to Bob Okafor via e-mail failed: …".

    It names the person and the channel, never the address: the timeline is shown to viewers,
    and the address stays on the outbox row (the delivery log).
    """
    channel = message.get_channel_display().lower()
    if message.purpose == Purpose.PAGE:
        if message.address:
            reason = reason.replace(message.address, "the recipient")
        method = message.data.get("method") or channel
        person = message.recipient or "someone"
        return f"Page to {person} via {method} failed: {reason}"
    # A team's list, chat or webhook is no one's private address.
    method = message.data.get("method") or f"{channel} ({message.address})"
    return f"{message.get_purpose_display()} via {method} failed: {reason}"


def on_permanent_failure(message: OutboxMessage, reason: str) -> bool:
    """Mark the message failed, say so on the incident's timeline, and announce delivery_failed.

    One transaction, so the escalation engine's reaction (paging the next contact method)
    commits with the failure or not at all. False if this worker no longer held the message.
    """
    with transaction.atomic():
        if not _mine(message).update(state=OutboxState.FAILED, last_error=reason[:2000]):
            return False
        message.state, message.last_error = OutboxState.FAILED, reason
        if message.incident is not None:
            record(
                message.incident,
                Event.PAGE_FAILED,
                actor=None,
                via=Channel.SYSTEM,
                message=describe_failure(message, reason),
                data={
                    "outbox_message": message.pk,
                    "purpose": message.purpose,
                    "channel": message.channel,
                    "recipient": message.recipient_id,
                    "delivery_failed": True,
                },
            )
        delivery_failed.send(sender=OutboxMessage, message=message, reason=reason)
    logger.warning("outbox message %s failed for good: %s", message.pk, reason)
    return True


def _page_line(message: OutboxMessage, text: str) -> str:
    """ "Page to Bob Okafor via e-mail: …", never naming the address."""
    method = message.data.get("method") or message.get_channel_display().lower()
    if message.address:
        text = text.replace(message.address, "the recipient")
    return f"Page to {message.recipient or 'someone'} via {method}: {text}"


def on_outcome_unknown(message: OutboxMessage, error: OutcomeUnknown) -> bool:
    """The provider took the message but never confirmed it: try once more after
    UNCONFIRMED_PAUSE with the same id, and after a second time (or the last attempt) leave it
    `sent`, unconfirmed. Never `failed`, and no delivery_failed: the person's next contact
    method is not paged for a message that probably arrived. False if the claim was lost."""
    now = timezone.now()
    count = message.data.get("unconfirmed", 0) + 1
    data = {**message.data, "unconfirmed": count}
    same = "Message-ID" if message.channel == OutboxChannel.EMAIL else "id"
    if count > 1 or message.attempts >= MAX_ATTEMPTS:
        again = " again" if count > 1 else ""
        text = (
            f"{error.taken} but did not confirm it{again} ({error.why}); "
            "not retried, to avoid a duplicate"
        )
        changes = {
            "state": OutboxState.SENT,
            "sent_at": now,
            "provider_message_id": error.provider_message_id[:255],
            "last_error": f"not confirmed: {error.reason}"[:2000],
        }
    else:
        at = now + UNCONFIRMED_PAUSE
        text = (
            f"{error.reason}; trying once more at {at.astimezone(UTC):%H:%M} UTC "
            f"with the same {same}"
        )
        changes = {"state": OutboxState.PENDING, "next_attempt_at": at, "last_error": error.reason}
    with transaction.atomic():
        if not _mine(message).update(data=data, **changes):
            return False
        message.data = data
        for name, value in changes.items():
            setattr(message, name, value)
        if message.purpose == Purpose.PAGE and message.incident is not None:
            record(
                message.incident,
                Event.ESCALATION,
                actor=None,
                via=Channel.SYSTEM,
                system="Escalation",
                message=_page_line(message, text),
                data={
                    "outbox_message": message.pk,
                    "recipient": message.recipient_id,
                    "channel": message.channel,
                    "page_unconfirmed": count,
                },
            )
    logger.warning("outbox message %s: %s", message.pk, text)
    return True


def _drop_if_not_needed(message: OutboxMessage) -> bool:
    """A page, just before it is sent: drop it if its incident no longer needs anyone, else
    render it again from the incident as it is now. True if it was dropped."""
    if message.purpose != Purpose.PAGE or message.incident_id is None:
        return False
    incident = Incident.objects.select_related(
        "severity", "team", "acknowledged_by", "resolved_by"
    ).get(pk=message.incident_id)
    message.incident = incident
    reason = no_longer_needed(incident)
    if reason is None:
        if message.channel == OutboxChannel.EMAIL and message.recipient is not None:
            subject, text, html = page_email(
                incident, message.recipient, reason=message.data.get("reason", "")
            )
            message.subject, message.body_text, message.body_html = subject[:255], text, html
            _mine(message).update(subject=message.subject, body_text=text, body_html=html)
        return False
    with transaction.atomic():
        if not _mine(message).update(state=OutboxState.DROPPED, last_error=reason[:2000]):
            return False
        message.state, message.last_error = OutboxState.DROPPED, reason
        record_dropped(message, reason)
    logger.info("outbox message %s dropped: %s", message.pk, reason)
    return True


def _send(message: OutboxMessage, senders: dict, report: Report) -> Unreachable | None:
    """One attempt at one message; returns the error if its whole channel is unreachable."""
    if _drop_if_not_needed(message):
        report.dropped += 1
        return None
    if not _start_attempt(message):
        report.lost += 1
        return None
    if message.attempts > MAX_ATTEMPTS:
        # Earlier attempts never finished: the worker stopped mid-send each time.
        if on_permanent_failure(
            message, f"gave up after {MAX_ATTEMPTS} attempts; the last did not finish"
        ):
            report.failed += 1
        return None
    if message.channel not in senders:
        senders[message.channel] = channels.sender_for(message.channel)
    try:
        provider_message_id = senders[message.channel].send(message)
    except PermanentError as error:
        if on_permanent_failure(message, error.reason):
            report.failed += 1
        return None
    except NotYet as error:
        at = timezone.now() + timedelta(seconds=error.retry_after or 1)
        _give_back(message, error.reason, at=at, uncount=True)
        report.deferred += 1
        return None
    except OutcomeUnknown as error:
        if on_outcome_unknown(message, error):
            report.unconfirmed += 1
        else:
            report.lost += 1
        return None
    except Exception as error:
        transient = error if isinstance(error, TransientError) else None
        reason = transient.reason if transient else f"unexpected {type(error).__name__}: {error}"
        if transient is None:
            logger.exception("sending outbox message %s failed unexpectedly", message.pk)
        if message.attempts >= MAX_ATTEMPTS:
            reason = f"gave up after {message.attempts} attempts: {reason}"
            if on_permanent_failure(message, reason):
                report.failed += 1
        elif _give_back(message, reason, at=timezone.now() + _wait(transient, message.attempts)):
            report.retried += 1
        return error if isinstance(error, Unreachable) else None
    if _mark_sent(message, provider_message_id):
        report.sent += 1
    else:
        report.lost += 1
    return None


def _wait(error: TransientError | None, attempts: int) -> timedelta:
    """The provider's `retry_after` when it gave one (capped), else the usual backoff."""
    if error is not None and error.retry_after is not None:
        return min(timedelta(seconds=max(error.retry_after, 0)), BACKOFF_MAX)
    return backoff(attempts)


def deliver_due(
    *,
    now: datetime | None = None,
    limit: int = 50,
    worker_id: str,
    budget: float = BATCH_SECONDS,
    lane: Lane | None = None,
) -> Report:
    """Claim up to `limit` due messages (of `lane`, else of any) and send them; one failure
    never stops the others."""
    now = now or timezone.now()
    report = Report()
    batch = claim_due(now=now, limit=limit, worker_id=worker_id, lane=lane)
    report.claimed = len(batch)
    senders: dict[str, object] = {}
    unreachable: dict[str, tuple[Unreachable, datetime]] = {}
    deadline = time.monotonic() + budget
    try:
        for message in batch:
            try:
                if message.channel in unreachable:
                    error, retry_at = unreachable[message.channel]
                    _give_back(message, f"not tried: {error.reason}", at=retry_at)
                    report.deferred += 1
                    continue
                if time.monotonic() > deadline:
                    _give_back(message, message.last_error, at=timezone.now())
                    report.deferred += 1
                    continue
                error = _send(message, senders, report)
                if error is not None:
                    unreachable[message.channel] = (error, message.next_attempt_at)
            except Exception:
                # A database hiccup on one message: it stays claimed until its lease ends and
                # is tried again then; the rest of the batch goes on.
                logger.exception("delivering outbox message %s failed", message.pk)
    finally:
        for sender in senders.values():
            sender.close()
    if report.claimed:
        logger.info(
            "outbox: %s claimed, %s sent, %s retried, %s failed, %s deferred, %s lost, "
            "%s dropped%s",
            report.claimed,
            report.sent,
            report.retried,
            report.failed,
            report.deferred,
            report.lost,
            report.dropped,
            f" in the {lane} lane" if lane else "",
        )
    return report


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"[:100]


def deliver_due_now(*, lane: Lane | None = None) -> Report:
    """A lane's periodic job: deliver what is due in it, a few full batches at most."""
    total = Report()
    limit = 50
    stop_at = time.monotonic() + DRAIN_SECONDS
    while True:
        report = deliver_due(limit=limit, worker_id=worker_id(), lane=lane)
        total += report
        if report.claimed < limit or time.monotonic() > stop_at:
            return total
