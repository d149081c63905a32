"""Overdue action items: their owner is e-mailed once a day through the outbox."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tocsin.incidents.models import Channel
from tocsin.notify.outbox.models import OutboxChannel, Purpose
from tocsin.notify.outbox.services import enqueue

from .models import OPEN_STATUSES, ActionItem
from .services import tell_the_incident


def _remind(item: ActionItem, *, today) -> None:
    incident = item.incident
    enqueue(
        idempotency_key=f"action-item:{item.pk}:overdue:{today.isoformat()}",
        channel=OutboxChannel.EMAIL,
        address=item.owner.email,
        subject=f"[{incident.reference}] Action item overdue: {item.title}",
        body_text="\n\n".join(
            [
                f"The action item “{item.title}” of {incident.reference} “{incident.title}” "
                f"was due on {item.due_on:%a %d %b %Y} and is still "
                f"{item.get_status_display().lower()}.",
                "Your follow-ups:",
                settings.BASE_URL + reverse("follow-ups"),
            ]
        )
        + "\n",
        incident=incident,
        recipient=item.owner,
        purpose=Purpose.TEAM_NOTIFICATION,
        data={"action_item": item.pk, "notice": "action-item-overdue"},
    )


def send_overdue_reminders(now=None) -> int:
    """Queue the reminders of open action items past their due date; how many were queued."""
    today = (now or timezone.now()).date()
    overdue = ActionItem.objects.filter(status__in=OPEN_STATUSES, due_on__lt=today).exclude(
        reminded_on=today
    )
    sent = 0
    for pk in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            item = (
                ActionItem.objects.select_for_update(of=("self",))
                .select_related("incident__team", "owner")
                .get(pk=pk)
            )
            if item.reminded_on == today or not item.is_overdue(today):
                continue
            _remind(item, today=today)
            item.reminded_on = today
            item.save(update_fields=["reminded_on"])
            tell_the_incident(
                item,
                f"Action item overdue (due {item.due_on:%a %d %b %Y}): {item.owner} reminded",
                by=None,
                via=Channel.SYSTEM,
                action="action_item_reminded",
            )
            sent += 1
    return sent
