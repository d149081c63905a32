"""Support tickets: a `ticket` has `team`, `reported_by_id`, `incident` (or None) and `status`.

Support agents open tickets and follow every ticket (support is one desk); the members of the
ticket's team and of its incident's team see it too, as do admins and viewers (who only read).
The leads of the ticket's team triage it: classify, set the urgency, escalate or close it.
"""

from django.db.models import Q, QuerySet

from tocsin.errors import PermissionDenied

from ..models import User
from .people import _signed_in, is_agent, is_lead, is_member, is_read_only

# Where a support agent may go: tickets, their own account, the public status page. Everything
# else (incidents, alerts, the on-call set-up) answers 403 for them.
AGENT_PATHS = (
    "/tickets/",
    "/api/v1/tickets",
    "/profile/",
    "/login/",
    "/logout/",
    "/status/",
    "/static/",
    "/docs/",
)


def _writes_tickets(user: User | None) -> bool:
    """Agents and responders write tickets; viewers and switched-off accounts only read."""
    return _signed_in(user) and user.is_active and (is_agent(user) or not is_read_only(user))


def agent_may_open(path: str) -> bool:
    return path.startswith(AGENT_PATHS)


def may_see_tickets(user: User | None) -> bool:
    """The ticket list: everyone signed in whose account is active."""
    return _signed_in(user) and user.is_active


def may_open_ticket(user: User | None) -> bool:
    return _writes_tickets(user)


def ensure_may_open_ticket(user: User | None) -> None:
    if not _writes_tickets(user):
        raise PermissionDenied(
            "only support agents, responders and admins may open tickets"
            if _signed_in(user)
            else "sign in to open a ticket"
        )


def _sees_ticket(ticket, user: User) -> bool:
    if user.is_admin or is_agent(user) or user.role == "viewer":
        return True
    if ticket.reported_by_id == user.pk or is_member(ticket.team, user):
        return True
    return ticket.incident is not None and is_member(ticket.incident.team, user)


def may_see_ticket(ticket, user: User | None) -> bool:
    return _signed_in(user) and user.is_active and _sees_ticket(ticket, user)


def ensure_may_see_ticket(ticket, user: User | None) -> None:
    if not may_see_ticket(ticket, user):
        raise PermissionDenied(
            f"only support agents and the members of {ticket.team.name} may see this ticket"
        )


def tickets_visible_to(user: User | None, tickets: QuerySet) -> QuerySet:
    """The tickets `may_see_ticket` says yes for."""
    if not (_signed_in(user) and user.is_active):
        return tickets.none()
    if user.is_admin or is_agent(user) or user.role == "viewer":
        return tickets
    return tickets.filter(
        Q(reported_by=user)
        | Q(team__memberships__user=user)
        | Q(incident__team__memberships__user=user)
    ).distinct()


def may_work_on_ticket(ticket, user: User | None) -> bool:
    """Comment, attach files, watch: whoever sees it and writes tickets, closed tickets too
    (the customer wrote back; a lead reopens it if need be)."""
    return _writes_tickets(user) and _sees_ticket(ticket, user)


def ensure_may_work_on_ticket(ticket, by: User, *, action: str) -> None:
    if not may_work_on_ticket(ticket, by):
        if not _sees_ticket(ticket, by):
            ensure_may_see_ticket(ticket, by)
        raise PermissionDenied(f"{by} only reads and may not {action}")


def _triages(ticket, user: User) -> bool:
    return user.is_admin or is_lead(ticket.team, user)


def may_triage_ticket(ticket, user: User | None) -> bool:
    """Classify, set the urgency, assign, escalate to an incident or close: the leads of the
    ticket's team and admins."""
    return _signed_in(user) and not is_read_only(user) and _triages(ticket, user)


def ensure_may_triage_ticket(ticket, by: User, *, action: str = "triage it") -> None:
    if not _triages(ticket, by):
        raise PermissionDenied(f"only an admin or a lead of {ticket.team.name} may {action}")
    if is_read_only(by):
        raise PermissionDenied(f"{by} only reads and may not {action}")


def may_manage_ticket_settings(user: User | None) -> bool:
    """The urgency matrix and the escalation mappings: admins."""
    return _signed_in(user) and user.is_admin and not is_read_only(user)


def ensure_may_manage_ticket_settings(by: User) -> None:
    if not may_manage_ticket_settings(by):
        raise PermissionDenied("only an admin may change the urgency matrix and mappings")
