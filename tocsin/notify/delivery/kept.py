"""Messages that are not sent from here: e-mail kept because no mail server is set up, and chat
messages for a chat that is not set up, which fail at once instead of waiting for ever.

A kept e-mail is complete (subject, text, HTML, its acknowledge link) and is read on the
Deliveries page; the worker's log says once where. A chat message whose chat has no bot token
is marked failed with the reason, so a page moves on to the person's next contact method and
the incident's timeline says why (naming the person, never the address).
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tocsin.notify import channels
from tocsin.notify.outbox.models import OutboxMessage, OutboxState, Purpose
from tocsin.notify.outbox.pages import record_kept

from .claims import mine
from .outcomes import announce_failure

logger = logging.getLogger("tocsin.notify")


def keep(message: OutboxMessage, reason: str) -> bool:
    """Mark a claimed e-mail kept here; False if the claim was lost."""
    now = timezone.now()
    with transaction.atomic():
        if not mine(message).update(state=OutboxState.KEPT, sent_at=now, last_error=""):
            return False
        message.state, message.sent_at = OutboxState.KEPT, now
        if message.purpose == Purpose.PAGE and message.incident is not None:
            record_kept(message, reason)
    where = settings.BASE_URL + reverse("delivery-detail", args=[message.pk])
    logger.info(
        "outbox message %s kept here (%s): e-mail to %s, %r; read it at %s",
        message.pk,
        reason,
        message.address,
        message.subject,
        where,
    )
    return True


def fail_chats_not_set_up(*, now) -> int:
    """Fail the due messages of every chat that is not set up here; how many were failed."""
    reasons = channels.not_set_up()
    if not reasons:
        return 0
    due = OutboxMessage.objects.filter(
        Q(state=OutboxState.PENDING) | Q(state=OutboxState.SENDING, next_attempt_at__lte=now),
        channel__in=list(reasons),
    ).select_related("incident", "recipient")
    failed = 0
    for message in due.order_by("id")[:200]:
        reason = f"not sent: {reasons[message.channel]}"
        with transaction.atomic():
            taken = OutboxMessage.objects.filter(pk=message.pk, state=message.state).update(
                state=OutboxState.FAILED, last_error=reason
            )
            if not taken:
                continue  # someone else changed it meanwhile
            message.state, message.last_error = OutboxState.FAILED, reason
            announce_failure(message, reason, on_timeline=message.purpose != Purpose.CHAT_EDIT)
        logger.warning(
            "outbox message %s (%s to %s) failed: %s",
            message.pk,
            message.channel,
            message.address,
            reason,
        )
        failed += 1
    return failed
