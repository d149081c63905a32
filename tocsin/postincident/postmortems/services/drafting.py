"""A post-mortem started (at resolution, or by hand), prefilled from its incident, and edited."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from tocsin.accounts.models import User
from tocsin.accounts.permissions import (
    ensure_can_write,
    ensure_may_edit_postmortem,
    ensure_may_start_postmortem,
)
from tocsin.errors import Conflict, PermissionDenied, ValidationFailed
from tocsin.incidents.models import Channel, Incident

from .. import conf
from ..models import Postmortem, RequiredApprovals, Section
from ..prefill import prefilled_sections
from .common import EDITABLE, clean_body, ensure_status, locked, tell_the_incident, touch

UNSET = object()


def business_days_after(day: date, count: int) -> date:
    """The date `count` business days (Monday to Friday) after `day`."""
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def approvals_for(severity) -> int:
    """The severity's own number of approvals, else TOCSIN_POSTMORTEM_APPROVALS."""
    own = RequiredApprovals.objects.filter(severity=severity).first()
    return own.approvals if own else conf.default_approvals()


def start_postmortem(*, incident: Incident, by: User | None, via: str = Channel.WEB) -> Postmortem:
    """Draft the incident's post-mortem, prefilled; `by` None is Tocsin itself (at resolution).

    The author is the incident's commander (else who resolved it, else who starts it); it is
    due TOCSIN_POSTMORTEM_DUE_DAYS business days from today (UTC).
    """
    if by is not None:
        ensure_may_start_postmortem(incident, by)
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("team", "severity")
            .get(pk=incident.pk)
        )
        if Postmortem.objects.filter(incident=incident).exists():
            raise Conflict(f"{incident.reference} already has a post-mortem", field="incident")
        author = incident.commander() or incident.resolved_by or by
        today = timezone.now().date()
        try:
            with transaction.atomic():
                postmortem = Postmortem.objects.create(
                    incident=incident,
                    author=author,
                    due_on=business_days_after(today, conf.due_business_days()),
                    approvals_required=approvals_for(incident.severity),
                )
        except IntegrityError:
            raise Conflict(
                f"{incident.reference} already has a post-mortem", field="incident"
            ) from None
        for position, (title, guidance, body) in enumerate(prefilled_sections(incident), 1):
            Section.objects.create(
                postmortem=postmortem, position=position, title=title, guidance=guidance, body=body
            )
        why = f"{incident.severity.key} requires one" if by is None else f"started by {by}"
        who = f", written by {author}" if author else ""
        tell_the_incident(
            postmortem,
            f"Post-mortem drafted ({why}){who}, due {postmortem.due_on:%a %d %b %Y}",
            by=by,
            via=via if by else Channel.SYSTEM,
            action="drafted",
        )
    return postmortem


def update_postmortem(
    *,
    postmortem: Postmortem,
    by: User,
    via: str = Channel.WEB,
    sections: dict[str, str] | None = None,
    author: User | None = UNSET,
    due_on: date | None = None,
) -> Postmortem:
    """Write sections (by title), change the author or the due date; what is left out stays."""
    ensure_may_edit_postmortem(postmortem, by)
    with transaction.atomic():
        postmortem = locked(postmortem)
        ensure_may_edit_postmortem(postmortem, by)
        ensure_status(postmortem, EDITABLE, action="be edited")
        changed = []
        existing = {section.title: section for section in postmortem.sections.all()}
        for title, body in (sections or {}).items():
            section = existing.get(title)
            if section is None:
                raise ValidationFailed(
                    f"the post-mortem has no section {title!r}; its sections are "
                    f"{', '.join(existing)}",
                    field="sections",
                )
            body = clean_body(body, field=title)
            if body != section.body:
                section.body = body
                section.save(update_fields=["body"])
                changed.append(title)
        fields = []
        if author is not UNSET and author != postmortem.author:
            if author is None:
                raise ValidationFailed("a post-mortem needs an author", field="author")
            try:
                ensure_can_write(author)
            except PermissionDenied as error:
                raise ValidationFailed(
                    f"{author} cannot be the author: {error.message}", field="author"
                ) from None
            postmortem.author = author
            fields.append("author")
            changed.append(f"author {author}")
        if due_on is not None and due_on != postmortem.due_on:
            if due_on < postmortem.created_at.date():
                raise ValidationFailed(
                    "the due date cannot be before the post-mortem was started", field="due_on"
                )
            postmortem.due_on = due_on
            postmortem.reminded_on = None
            fields += ["due_on", "reminded_on"]
            changed.append(f"due {due_on:%a %d %b %Y}")
        if not changed:
            return postmortem
        touch(postmortem, *fields)
        tell_the_incident(
            postmortem, f"Post-mortem edited: {', '.join(changed)}", by=by, via=via, action="edited"
        )
    return postmortem
