"""The delivery loop: claim due outbox messages, send them outside a transaction, record results.

One round claims a batch (claims.py), tries each message once outside any transaction, and
records what each attempt ended with (outcomes.py). One failure never stops the others. What is
not sent from here (e-mail without a mail server, chats that are not set up) is in kept.py.

Every retry is logged with its reason: the message, its channel and address, and the error.
"""

import logging
import os
import socket
import time
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from django.utils import timezone

from tocsin.notify import channels
from tocsin.notify.channels import (
    NotYet,
    OutcomeUnknown,
    PermanentError,
    TransientError,
    Unreachable,
)
from tocsin.notify.outbox.models import OutboxMessage

from .claims import BATCH_SECONDS, claim_due, give_back, start_attempt
from .kept import fail_chats_not_set_up, keep
from .lanes import Lane
from .outcomes import (
    MAX_ATTEMPTS,
    drop_if_not_needed,
    mark_sent,
    on_outcome_unknown,
    on_permanent_failure,
)

logger = logging.getLogger("tocsin.notify")

BACKOFF_FIRST = timedelta(seconds=10)
BACKOFF_MAX = timedelta(minutes=10)
DRAIN_SECONDS = 3.0  # deliver_due_now keeps claiming full batches for this long


@dataclass
class Report:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0  # claimed but not tried: channel unreachable or the batch ran out of time
    lost: int = 0  # the lease ran out before the message's turn and another worker has it
    dropped: int = 0  # a page whose incident no longer needed anyone
    kept: int = 0  # e-mail kept here: no mail server is set up
    unconfirmed: int = 0  # handed over, never confirmed: tried again later, or left as it is

    def __iadd__(self, other: "Report") -> "Report":
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))
        return self


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def _send(message: OutboxMessage, senders: dict, report: Report) -> Unreachable | None:
    """One attempt at one message; returns the error if its whole channel is unreachable."""
    if drop_if_not_needed(message):
        report.dropped += 1
        return None
    kept = channels.kept_here(message.channel)
    if kept:
        if keep(message, kept):
            report.kept += 1
        else:
            report.lost += 1
        return None
    if not start_attempt(message):
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
        give_back(message, error.reason, at=at, uncount=True)
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
        elif give_back(message, reason, at=timezone.now() + _wait(transient, message.attempts)):
            report.retried += 1
            logger.warning(
                "outbox message %s (%s %s to %s) retried after attempt %s: %s; next try at %s",
                message.pk,
                message.get_purpose_display().lower(),
                message.channel,
                message.address,
                message.attempts,
                reason,
                f"{message.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC",
            )
        return error if isinstance(error, Unreachable) else None
    if mark_sent(message, provider_message_id):
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
    if lane in (None, Lane.PAGES):  # chats are in the pages lane
        report.failed += fail_chats_not_set_up(now=now)
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
                    give_back(message, f"not tried: {error.reason}", at=retry_at)
                    report.deferred += 1
                    continue
                if time.monotonic() > deadline:
                    give_back(message, message.last_error, at=timezone.now())
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
            "outbox: %s claimed, %s sent, %s kept, %s retried, %s failed, %s deferred, %s lost, "
            "%s dropped%s",
            report.claimed,
            report.sent,
            report.kept,
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
