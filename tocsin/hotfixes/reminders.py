"""Unmerged hot fixes: once one is older than TOCSIN_HOTFIX_REMIND_DAYS, its owner is e-mailed
through the outbox, once a day at most, until every merge-back is done."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tocsin.incidents.models import Channel
from tocsin.notify.outbox.models import OutboxChannel, Purpose
from tocsin.notify.outbox.services import enqueue

from . import conf, selectors
from .models import HotFix
from .services import tell_the_incident


def _remind(hot_fix: HotFix, branches: list[str], *, today) -> None:
    incident = hot_fix.incident
    enqueue(
        idempotency_key=f"hot-fix:{hot_fix.pk}:unmerged:{today.isoformat()}",
        channel=OutboxChannel.EMAIL,
        address=hot_fix.owner.email,
        subject=f"[{incident.reference}] Hot fix not merged back: {', '.join(branches)}",
        body_text="\n\n".join(
            [
                f"The hot fix {hot_fix.change_url} on {hot_fix.branch}, recorded on "
                f"{hot_fix.created_at:%a %d %b %Y} for {incident.reference} “{incident.title}”, "
                f"is not merged back yet into: {', '.join(branches)}.",
                "Tick each merge-back on the incident page once it is done:",
                settings.BASE_URL + reverse("incident-detail", args=[incident.pk]) + "#hot-fixes",
            ]
        )
        + "\n",
        incident=incident,
        recipient=hot_fix.owner,
        purpose=Purpose.TEAM_NOTIFICATION,
        data={"hot_fix": hot_fix.pk, "notice": "hot-fix-unmerged"},
    )


def send_unmerged_reminders(now=None) -> int:
    """Queue the reminders of unmerged hot fixes recorded more than TOCSIN_HOTFIX_REMIND_DAYS
    ago; how many were queued."""
    now = now or timezone.now()
    today = now.date()
    cutoff = now - timedelta(days=conf.remind_days())
    due = selectors.unmerged(HotFix.objects.filter(created_at__lte=cutoff)).exclude(
        reminded_on=today
    )
    sent = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            hot_fix = (
                HotFix.objects.select_for_update(of=("self",))
                .select_related("incident__team", "owner")
                .get(pk=pk)
            )
            branches = list(
                hot_fix.targets.filter(done=False).order_by("id").values_list("branch", flat=True)
            )
            if hot_fix.reminded_on == today or not branches:
                continue
            _remind(hot_fix, branches, today=today)
            hot_fix.reminded_on = today
            hot_fix.save(update_fields=["reminded_on"])
            tell_the_incident(
                hot_fix,
                f"Hot fix not merged back yet into {', '.join(branches)}: {hot_fix.owner} reminded",
                by=None,
                via=Channel.SYSTEM,
                action="reminded",
                branches=branches,
            )
            sent += 1
    return sent
