"""Claims on outbox messages: leases a worker takes, renews and gives back.

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

Messages are delivered in lanes (lanes.py): each lane has threads of its own in the worker, and
`claim_due(lane=…)` takes only that lane's messages, so a slow destination holds up only its
lane. In a lane that sends one at a time to each destination (webhooks), a claim takes the
messages of one destination that has nothing in flight, under a lease that has not run out.
"""

import threading
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from tocsin.notify import channels
from tocsin.notify.outbox.models import OutboxMessage, OutboxState

from .lanes import Lane, in_lane

# A send must finish well inside the lease, or another worker may take the message over; an SMTP
# operation gives up after TOCSIN_SMTP_TIMEOUT (10 s), a whole SMTP send after 45 s
# (channels/email.py SEND_DEADLINE).
LEASE = timedelta(seconds=60)
BATCH_SECONDS = 15.0  # after this, the rest of a batch goes back to pending for the next round
# A claimed message waits its turn in the batch under this shorter lease, renewed to LEASE just
# before it is sent: a worker that dies holds its untried messages for seconds, not a minute.
# Longer than BATCH_SECONDS, so every message is tried (or given back) before it runs out.
CLAIM_LEASE = timedelta(seconds=BATCH_SECONDS + 5)

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


def mine(message: OutboxMessage):
    """The row, as long as this worker's claim on it still stands."""
    return OutboxMessage.objects.filter(
        pk=message.pk,
        state=OutboxState.SENDING,
        claimed_by=message.claimed_by,
        claimed_at=message.claimed_at,
    )


def start_attempt(message: OutboxMessage) -> bool:
    """Renew the lease for one send and count the attempt; False if the claim was lost."""
    started = timezone.now()
    renewed = mine(message).update(
        claimed_at=started, next_attempt_at=started + LEASE, attempts=F("attempts") + 1
    )
    if renewed:
        message.claimed_at, message.next_attempt_at = started, started + LEASE
        message.attempts += 1
    return bool(renewed)


def give_back(message: OutboxMessage, note: str, *, at: datetime, uncount=False) -> bool:
    """Make a claimed message pending again, due at `at`; False if the claim was lost.

    For a failed attempt (a retry) and for a message not tried at all (the rest of a batch);
    `uncount` takes back the attempt just counted, when it was not the message's turn yet.
    """
    changes = {"state": OutboxState.PENDING, "next_attempt_at": at, "last_error": note[:2000]}
    if uncount:
        changes["attempts"] = F("attempts") - 1
    if not mine(message).update(**changes):
        return False
    message.state, message.next_attempt_at, message.last_error = OutboxState.PENDING, at, note
    if uncount:
        message.attempts -= 1
    return True
