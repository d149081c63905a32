"""The e-mails post-mortems send through the outbox: a review asked for, and the reminders.

They go to the person's sign-in address, in the transaction that decided to send them; the
idempotency key makes each one once (a reminder once a day at most).
"""

from datetime import date

from django.conf import settings
from django.urls import reverse

from tocsin.accounts.models import User
from tocsin.notify.outbox.models import OutboxChannel, Purpose
from tocsin.notify.outbox.services import enqueue

from .models import Postmortem


def link(postmortem: Postmortem) -> str:
    return settings.BASE_URL + reverse("postmortem-detail", args=[postmortem.pk])


def _send(postmortem: Postmortem, to: User, *, key: str, subject: str, lines: list[str]) -> None:
    enqueue(
        idempotency_key=f"postmortem:{postmortem.pk}:{key}",
        channel=OutboxChannel.EMAIL,
        address=to.email,
        subject=f"[{postmortem.incident.reference}] {subject}",
        body_text="\n\n".join([*lines, link(postmortem)]) + "\n",
        incident=postmortem.incident,
        recipient=to,
        purpose=Purpose.TEAM_NOTIFICATION,
        data={"postmortem": postmortem.pk, "notice": key.split(":")[0]},
    )


def tell_reviewer(postmortem: Postmortem, reviewer: User, *, by: User) -> None:
    incident = postmortem.incident
    _send(
        postmortem,
        reviewer,
        key=f"review-asked:{reviewer.pk}:{postmortem.review_round}",
        subject=f"Please review the post-mortem of “{incident.title}”",
        lines=[
            f"{by} asks you to review the post-mortem of {incident.reference} “{incident.title}”.",
            "Comment on its sections, then approve it or request changes:",
        ],
    )


def remind_author(postmortem: Postmortem, *, today: date) -> None:
    incident = postmortem.incident
    _send(
        postmortem,
        postmortem.author,
        key=f"overdue:{today.isoformat()}",
        subject=f"The post-mortem of “{incident.title}” is overdue",
        lines=[
            f"The post-mortem of {incident.reference} “{incident.title}” was due on "
            f"{postmortem.due_on:%a %d %b %Y} and is still "
            f"{postmortem.get_status_display().lower()}.",
            "Finish its sections and ask for reviews:",
        ],
    )


def remind_reviewer(postmortem: Postmortem, reviewer: User, *, today: date) -> None:
    incident = postmortem.incident
    _send(
        postmortem,
        reviewer,
        key=f"review-pending:{reviewer.pk}:{today.isoformat()}",
        subject=f"Your review of the post-mortem of “{incident.title}” is waiting",
        lines=[
            f"You were asked to review the post-mortem of {incident.reference} "
            f"“{incident.title}” and have not approved it or requested changes yet.",
        ],
    )
