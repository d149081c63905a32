"""Reminders, at most one a day each: the author of a draft past its due date, and reviewers
who have not answered a review request within PENDING_AFTER."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from tocsin.incidents.models import Channel

from .. import notices, selectors
from ..models import Postmortem, PostmortemStatus, ReviewRequest
from .common import tell_the_incident

PENDING_AFTER = timedelta(days=2)
UNFINISHED = [PostmortemStatus.DRAFT, PostmortemStatus.CHANGES_REQUESTED]


def send_reminders(now=None) -> int:
    """Queue the reminders that are due; how many were queued."""
    now = now or timezone.now()
    today = now.date()
    sent = 0
    overdue = Postmortem.objects.filter(
        status__in=UNFINISHED, due_on__lt=today, author__isnull=False
    ).exclude(reminded_on=today)
    for postmortem in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            postmortem = (
                Postmortem.objects.select_for_update(of=("self",))
                .select_related("incident__team", "author")
                .get(pk=postmortem)
            )
            if postmortem.reminded_on == today or postmortem.status not in UNFINISHED:
                continue
            notices.remind_author(postmortem, today=today)
            postmortem.reminded_on = today
            postmortem.save(update_fields=["reminded_on"])
            tell_the_incident(
                postmortem,
                f"Post-mortem overdue (due {postmortem.due_on:%a %d %b %Y}): "
                f"{postmortem.author} reminded",
                by=None,
                via=Channel.SYSTEM,
                action="reminded",
            )
            sent += 1
    waiting = ReviewRequest.objects.filter(
        postmortem__status=PostmortemStatus.IN_REVIEW, requested_at__lte=now - PENDING_AFTER
    ).exclude(reminded_on=today)
    for request in waiting.values_list("pk", flat=True):
        with transaction.atomic():
            request = (
                ReviewRequest.objects.select_for_update(of=("self",))
                .select_related("postmortem__incident__team", "reviewer")
                .get(pk=request)
            )
            postmortem = request.postmortem
            if request.reminded_on == today or postmortem.status != PostmortemStatus.IN_REVIEW:
                continue
            if request.reviewer not in selectors.pending_reviewers(postmortem):
                continue
            notices.remind_reviewer(postmortem, request.reviewer, today=today)
            request.reminded_on = today
            request.save(update_fields=["reminded_on"])
            tell_the_incident(
                postmortem,
                f"Post-mortem review pending: {request.reviewer} reminded",
                by=None,
                via=Channel.SYSTEM,
                action="reminded",
            )
            sent += 1
    return sent
