"""Reads of tickets that the pages and the API share."""

from django.db.models import Q, QuerySet

from tocsin.accounts.permissions import tickets_visible_to

from .models import Ticket, TicketStatus


def tickets_for(
    user,
    *,
    status: str = "",
    team=None,
    urgency: int | None = None,
    scope: str = "",
    classification: str = "",
    mine: bool = False,
    q: str = "",
) -> QuerySet[Ticket]:
    """The tickets `user` may see, filtered; status "" means every ticket not closed, "all"
    every ticket. Most urgent first, then newest."""
    tickets = tickets_visible_to(
        user, Ticket.objects.select_related("team", "incident", "reported_by", "assignee")
    )
    if status == "":
        tickets = tickets.exclude(status=TicketStatus.CLOSED)
    elif status != "all":
        tickets = tickets.filter(status=status)
    if team is not None:
        tickets = tickets.filter(team=team)
    if urgency is not None:
        tickets = tickets.filter(urgency=urgency)
    if scope:
        tickets = tickets.filter(scope=scope)
    if classification:
        tickets = tickets.filter(classification=classification)
    if mine:
        tickets = tickets.filter(Q(reported_by=user) | Q(watchers=user)).distinct()
    if q:
        reference = q.strip().upper().removeprefix("TKT-")
        match = Q(title__icontains=q) | Q(customer_user_id__iexact=q.strip())
        if reference.isascii() and reference.isdigit() and len(reference) < 18:
            match |= Q(pk=int(reference))
        tickets = tickets.filter(match)
    return tickets.order_by("urgency", "-created_at", "-id")


def tickets_of_incident(incident) -> QuerySet[Ticket]:
    return incident.tickets.select_related("reported_by", "team").prefetch_related("attachments")
