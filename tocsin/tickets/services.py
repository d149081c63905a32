"""Every write to support tickets: one transaction each, each written into the ticket's own
history (`TicketEvent`) and, once the ticket has an incident, into the incident's timeline
(`Event.TICKET`). Who is told (the agent by e-mail, webhooks) is `notices.py`."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from tocsin.accounts.models import Team, User
from tocsin.accounts.permissions import (
    ensure_may_manage_ticket_settings,
    ensure_may_open_ticket,
    ensure_may_triage_ticket,
    ensure_may_work_on_ticket,
    is_member,
)
from tocsin.errors import Conflict, PermissionDenied, ValidationFailed
from tocsin.incidents.models import Channel, Event, Incident, Severity, Source
from tocsin.incidents.services import declare, record
from tocsin.incidents.services.timeline import clean_text

from . import notices
from .matrix import severity_for, team_for, urgency_for
from .models import (
    Classification,
    ClassificationTeam,
    CloseReason,
    Criticality,
    Scope,
    Ticket,
    TicketEvent,
    TicketStatus,
    Urgency,
    UrgencyCell,
    UrgencySeverity,
)

MAX_TEXT = 20_000


def _choice(value, choices, *, field: str, what: str) -> str:
    if value not in choices.values:
        known = ", ".join(str(v) for v in choices.values)
        raise ValidationFailed(f"{value!r} is not a {what}; use one of {known}", field=field)
    return value


def _urgency(value) -> int:
    if isinstance(value, bool) or value not in Urgency.values:
        raise ValidationFailed("the urgency is 1 (critical) to 4 (low)", field="urgency")
    return int(value)


def _url(value) -> str:
    url = clean_text(value, field="session_replay_url", required=False, max_length=500)
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        raise ValidationFailed(
            f"{url!r} is not an http(s) address", field="session_replay_url"
        ) from None
    return url


def write(ticket: Ticket, kind: str, message: str, *, by: User | None, **data) -> TicketEvent:
    """One line of the ticket's history, inside the caller's transaction."""
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=by,
        actor_name=str(by) if by else "Tocsin",
        message=message,
        data=data,
    )


def _locked(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("team", "incident")
        .get(pk=ticket.pk)
    )


def open_ticket(
    *,
    by: User,
    team: Team,
    title: str,
    customer_user_id: str,
    what_they_did: str,
    what_happened: str,
    scope: str,
    criticality: str,
    expected: str = "",
    browser: str = "",
    session_replay_url: str = "",
    uploads=(),
) -> Ticket:
    """A new ticket for `team` to triage, its urgency from the matrix, with its attachments."""
    from .attachments.services import check_uploads, store_attachments

    ensure_may_open_ticket(by)
    if team is None:
        raise ValidationFailed("choose the team that triages it", field="team")
    fields = {
        "title": clean_text(title, field="title", required=True, max_length=200),
        "customer_user_id": clean_text(
            customer_user_id, field="customer_user_id", required=True, max_length=200
        ),
        "what_they_did": clean_text(
            what_they_did, field="what_they_did", required=True, max_length=MAX_TEXT
        ),
        "what_happened": clean_text(
            what_happened, field="what_happened", required=True, max_length=MAX_TEXT
        ),
        "expected": clean_text(expected, field="expected", required=False, max_length=MAX_TEXT),
        "browser": clean_text(browser, field="browser", required=False, max_length=200),
        "session_replay_url": _url(session_replay_url),
        "scope": _choice(scope, Scope, field="scope", what="scope"),
        "criticality": _choice(criticality, Criticality, field="criticality", what="criticality"),
    }
    checked = check_uploads(None, list(uploads))
    with transaction.atomic():
        ticket = Ticket.objects.create(
            team=team,
            reported_by=by,
            urgency=urgency_for(fields["scope"], fields["criticality"]),
            **fields,
        )
        ticket.watchers.add(by)
        write(
            ticket,
            TicketEvent.Kind.CREATED,
            f"Opened by {by}: {ticket.tagline} (urgency {ticket.get_urgency_display()})",
            by=by,
        )
        if checked:
            store_attachments(ticket, checked, by=by)
        notices.opened(ticket)
    return ticket


def comment_on_ticket(*, ticket: Ticket, by: User, text: str) -> TicketEvent:
    ensure_may_work_on_ticket(ticket, by, action="comment on it")
    text = clean_text(text, field="text", required=True, max_length=MAX_TEXT)
    with transaction.atomic():
        ticket = _locked(ticket)
        event = write(ticket, TicketEvent.Kind.COMMENT, text, by=by)
        ticket.updated_at = timezone.now()
        ticket.save(update_fields=["updated_at"])
        notices.commented(ticket, event)
    return event


def watch_ticket(*, ticket: Ticket, by: User, watching: bool = True) -> Ticket:
    ensure_may_work_on_ticket(ticket, by, action="watch it")
    if watching:
        ticket.watchers.add(by)
    else:
        ticket.watchers.remove(by)
    return ticket


def triage_ticket(
    *,
    ticket: Ticket,
    by: User,
    classification: str,
    urgency: int | None = None,
    urgency_reason: str = "",
    assignee: User | None = None,
) -> Ticket:
    """The lead's classification (FE, BE, FEBE, DEVOPS) and urgency: the matrix's unless they
    set another, which needs a reason."""
    ensure_may_triage_ticket(ticket, by)
    classification = _choice(
        classification, Classification, field="classification", what="classification"
    )
    reason = clean_text(urgency_reason, field="urgency_reason", required=False, max_length=500)
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.is_closed:
            raise Conflict(f"{ticket.reference} is closed: reopen it first", field="status")
        from_matrix = urgency_for(ticket.scope, ticket.criticality)
        chosen = from_matrix if urgency is None else _urgency(urgency)
        if chosen != from_matrix and not reason:
            raise ValidationFailed(
                f"the matrix says {Urgency(from_matrix).label} for {ticket.scope}-"
                f"{ticket.criticality}: say why it is {Urgency(chosen).label}",
                field="urgency_reason",
            )
        if assignee is not None and not (assignee.is_admin or is_member(ticket.team, assignee)):
            raise ValidationFailed(
                f"{assignee} is not a member of {ticket.team.name}", field="assignee"
            )
        before = (ticket.classification, ticket.urgency)
        ticket.classification = classification
        ticket.urgency = chosen
        ticket.urgency_reason = reason if chosen != from_matrix else ""
        if assignee is not None:
            ticket.assignee = assignee
        if ticket.status == TicketStatus.NEW:
            ticket.status = TicketStatus.TRIAGED
        ticket.triaged_at = ticket.triaged_at or timezone.now()
        ticket.updated_at = timezone.now()
        ticket.save()
        why = f" ({reason})" if ticket.urgency_reason else " (from the matrix)"
        message = f"Triaged by {by}: {ticket.code}, urgency {ticket.get_urgency_display()}{why}"
        if assignee is not None:
            message += f", assigned to {assignee}"
        write(
            ticket,
            TicketEvent.Kind.TRIAGED,
            message,
            by=by,
            before={"classification": before[0], "urgency": before[1]},
        )
        if ticket.incident_id:
            record(
                ticket.incident,
                Event.TICKET,
                actor=by,
                via=Channel.WEB,
                message=f"{ticket.reference} triaged: {ticket.tagline}",
                data={"ticket": ticket.pk, "action": "triaged"},
            )
        notices.triaged(ticket)
    return ticket


def escalate_ticket(
    *,
    ticket: Ticket,
    by: User,
    incident: Incident | None = None,
    via: str = Channel.WEB,
) -> Incident:
    """Open an incident for the ticket (severity from its urgency, team from its
    classification, by the mappings), or join it to `incident`. A ticket has one incident:
    escalating it again answers the incident it has."""
    ensure_may_triage_ticket(ticket, by, action="escalate it")
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.is_closed:
            raise Conflict(f"{ticket.reference} is closed: reopen it first", field="status")
        if not ticket.classification:
            raise ValidationFailed(
                "triage it first: say whether it is FE, BE, FEBE or DEVOPS",
                field="classification",
            )
        if ticket.incident_id:
            if incident is not None and incident.pk != ticket.incident_id:
                raise Conflict(
                    f"{ticket.reference} already belongs to {ticket.incident.reference}",
                    field="incident",
                )
            return ticket.incident
        if incident is None:
            incident = _declare_for(ticket, by=by, via=via)
            joined = False
        else:
            incident = Incident.objects.select_for_update().get(pk=incident.pk)
            if not incident.is_open:
                raise Conflict(
                    f"{incident.reference} is {incident.get_status_display().lower()}: "
                    "join an open incident",
                    field="incident",
                )
            if incident.drill:
                raise Conflict(
                    f"{incident.reference} is a drill: a customer's ticket joins a real incident",
                    field="incident",
                )
            if not (by.is_admin or is_member(incident.team, by)):
                raise PermissionDenied(
                    f"only members of {incident.team.name} may join tickets to {incident.reference}"
                )
            joined = True
        ticket.incident = incident
        ticket.status = TicketStatus.ESCALATED
        ticket.updated_at = timezone.now()
        ticket.save(update_fields=["incident", "status", "updated_at"])
        count = incident.tickets.count()
        if joined:
            message = f"{ticket.reference} joined by {by}: {ticket.tagline} ({count} tickets)"
        else:
            message = f"Escalated from {ticket.reference} by {by}: {ticket.tagline}"
        record(
            incident,
            Event.TICKET,
            actor=by,
            via=via,
            message=message,
            data={"ticket": ticket.pk, "action": "joined" if joined else "escalated"},
        )
        write(
            ticket,
            TicketEvent.Kind.JOINED if joined else TicketEvent.Kind.ESCALATED,
            f"{'Joined' if joined else 'Escalated to'} {incident.reference} "
            f"({incident.severity.key}, {incident.team.name}) by {by}",
            by=by,
            incident=incident.pk,
        )
        notices.escalated(ticket)
    return incident


def _declare_for(ticket: Ticket, *, by: User, via: str) -> Incident:
    lines = [
        f"From support ticket {ticket.reference}, opened by {ticket.reported_by}.",
        f"Customer user id: {ticket.customer_user_id}",
        f"What they did: {ticket.what_they_did}",
        f"What happened: {ticket.what_happened}",
    ]
    if ticket.expected:
        lines.append(f"Expected: {ticket.expected}")
    if ticket.browser:
        lines.append(f"Browser: {ticket.browser}")
    return declare(
        title=ticket.tagline[:200],
        severity=severity_for(ticket.urgency),
        team=team_for(ticket),
        by=by,
        via=via,
        description="\n".join(lines),
        source=Source.TICKET,
        impact_who=Scope(ticket.scope).label,
        impact_how=Criticality(ticket.criticality).label,
    )


def close_ticket(
    *, ticket: Ticket, by: User, reason: str, note: str = "", duplicate_of: Ticket | None = None
) -> Ticket:
    """Closed as not an application problem (the note, which the agent sees, is required), a
    duplicate of another ticket, or fixed."""
    ensure_may_triage_ticket(ticket, by, action="close it")
    reason = _choice(reason, CloseReason, field="reason", what="reason to close")
    note = clean_text(note, field="note", required=False, max_length=MAX_TEXT)
    if reason == CloseReason.NOT_A_BUG and not note:
        raise ValidationFailed(
            "say why it is not an application problem: the agent tells the customer",
            field="note",
        )
    if reason == CloseReason.DUPLICATE:
        if duplicate_of is None:
            raise ValidationFailed("name the ticket it duplicates", field="duplicate_of")
        if duplicate_of.pk == ticket.pk:
            raise ValidationFailed("a ticket cannot duplicate itself", field="duplicate_of")
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.is_closed:
            raise Conflict(f"{ticket.reference} is already closed", field="status")
        if ticket.incident_id and ticket.incident.is_open and reason != CloseReason.FIXED:
            raise Conflict(
                f"{ticket.reference} belongs to the open incident {ticket.incident.reference}",
                field="status",
            )
        ticket.status = TicketStatus.CLOSED
        ticket.close_reason = reason
        ticket.close_note = note
        ticket.duplicate_of = duplicate_of if reason == CloseReason.DUPLICATE else None
        ticket.closed_at = ticket.updated_at = timezone.now()
        ticket.save()
        message = f"Closed by {by}: {CloseReason(reason).label}"
        if duplicate_of is not None and reason == CloseReason.DUPLICATE:
            message += f" of {duplicate_of.reference}"
        if note:
            message += f": {note}"
        write(ticket, TicketEvent.Kind.CLOSED, message, by=by, reason=reason)
        notices.closed(ticket)
    return ticket


def reopen_ticket(*, ticket: Ticket, by: User, reason: str) -> Ticket:
    ensure_may_triage_ticket(ticket, by, action="reopen it")
    reason = clean_text(reason, field="reason", required=True, max_length=500)
    with transaction.atomic():
        ticket = _locked(ticket)
        if not ticket.is_closed:
            raise Conflict(f"{ticket.reference} is not closed", field="status")
        ticket.status = _open_status(ticket)
        ticket.close_reason, ticket.close_note, ticket.duplicate_of = "", "", None
        ticket.closed_at, ticket.updated_at = None, timezone.now()
        ticket.save()
        write(ticket, TicketEvent.Kind.REOPENED, f"Reopened by {by}: {reason}", by=by)
    return ticket


def _open_status(ticket: Ticket) -> str:
    if ticket.incident_id:
        return TicketStatus.ESCALATED
    return TicketStatus.TRIAGED if ticket.classification else TicketStatus.NEW


# ---------------------------------------------------------------------------------------------
# Settings: the urgency matrix and the escalation mappings (admins)


def set_urgency(*, scope: str, criticality: str, urgency: int, by: User) -> None:
    ensure_may_manage_ticket_settings(by)
    scope = _choice(scope, Scope, field="scope", what="scope")
    criticality = _choice(criticality, Criticality, field="criticality", what="criticality")
    urgency = _urgency(urgency)
    with transaction.atomic():
        UrgencyCell.objects.update_or_create(
            scope=scope, criticality=criticality, defaults={"urgency": urgency}
        )


def set_urgency_severity(*, urgency: int, severity: Severity | None, by: User) -> None:
    """Tickets of this urgency escalate at this severity; None: the default (same rung)."""
    ensure_may_manage_ticket_settings(by)
    urgency = _urgency(urgency)
    with transaction.atomic():
        if severity is None:
            UrgencySeverity.objects.filter(urgency=urgency).delete()
        else:
            UrgencySeverity.objects.update_or_create(
                urgency=urgency, defaults={"severity": severity}
            )


def set_classification_team(*, classification: str, team: Team | None, by: User) -> None:
    """Tickets of this classification escalate to this team; None: the ticket's own team."""
    ensure_may_manage_ticket_settings(by)
    classification = _choice(
        classification, Classification, field="classification", what="classification"
    )
    with transaction.atomic():
        if team is None:
            ClassificationTeam.objects.filter(classification=classification).delete()
        else:
            ClassificationTeam.objects.update_or_create(
                classification=classification, defaults={"team": team}
            )
