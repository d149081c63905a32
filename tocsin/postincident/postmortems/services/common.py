"""What the post-mortem services share: the row lock, the timeline event, the text checks."""

from django.utils import timezone

from tocsin.errors import InvalidTransition
from tocsin.incidents.models import Channel, Event
from tocsin.incidents.services import record
from tocsin.postincident.text import clean_long_text

from ..models import Postmortem, PostmortemStatus

MAX_BODY = 50_000
# Sections are written while a draft, in review, or after changes were requested; an approved
# one is what the reviewers approved, and a published one is what the team was told.
EDITABLE = {PostmortemStatus.DRAFT, PostmortemStatus.IN_REVIEW, PostmortemStatus.CHANGES_REQUESTED}


def locked(postmortem: Postmortem) -> Postmortem:
    return (
        Postmortem.objects.select_for_update(of=("self",))
        .select_related("incident__team", "incident__severity", "author")
        .get(pk=postmortem.pk)
    )


def label(status: str) -> str:
    return PostmortemStatus(status).label.lower()


def ensure_status(postmortem: Postmortem, allowed: set[str], *, action: str) -> None:
    if postmortem.status not in allowed:
        raise InvalidTransition(
            f"the post-mortem of {postmortem.incident.reference} is "
            f"{label(postmortem.status)}: it cannot {action}",
            field="status",
        )


def clean_body(value, *, field: str, required: bool = False) -> str:
    return clean_long_text(value, field=field, limit=MAX_BODY, required=required)


def tell_the_incident(postmortem: Postmortem, message: str, *, by, via: str, **data) -> None:
    """The incident's timeline event for a step of its post-mortem."""
    record(
        postmortem.incident,
        Event.POSTMORTEM,
        actor=by,
        via=via or Channel.WEB,
        system="" if by else "Tocsin",
        message=message,
        data={"postmortem": postmortem.pk, **data},
    )


def touch(postmortem: Postmortem, *fields: str) -> None:
    postmortem.updated_at = timezone.now()
    postmortem.save(update_fields=[*fields, "updated_at"])
