"""Support tickets over the API: list, open, read, triage, escalate, close, reopen, comment, and
the urgency matrix. Thin: the services decide and check; the attachments have their own router
(tocsin/tickets/attachments/api.py)."""

from datetime import datetime
from typing import Literal

from django.db import transaction
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictInt, field_validator

from tocsin.accounts.api import team_by_slug, user_by_reference
from tocsin.accounts.permissions import (
    ensure_may_see_ticket,
    ensure_may_triage_ticket,
    may_see_tickets,
)
from tocsin.errors import NotFound, PermissionDenied, ValidationFailed
from tocsin.incidents.models import Incident
from tocsin.schemas import ERRORS, MAX_ID, Input, TeamRef, UserRef, refuse_nul

from . import services
from .matrix import matrix
from .models import Classification, CloseReason, Criticality, Scope, Ticket, TicketStatus
from .selectors import tickets_for

router = Router(tags=["tickets"])

MAX_PAGE = 200
MAX_OFFSET = 1_000_000_000


class TicketPersonOut(Schema):
    id: int
    display_name: str


class IncidentLink(Schema):
    id: int
    reference: str
    title: str
    status: str
    severity: str
    resolved_at: datetime | None


class TicketEventOut(Schema):
    kind: str
    at: datetime
    actor_name: str
    message: str


class TicketOut(Schema):
    id: int
    reference: str
    tagline: str = Field(description="SCOPE-CRITICALITY[-CLASSIFICATION]: title, derived.")
    labels: list[str] = Field(description="The tagline's words, for a tracker's labels.")
    title: str
    customer_user_id: str
    what_they_did: str
    what_happened: str
    expected: str
    browser: str
    session_replay_url: str
    scope: str
    criticality: str
    classification: str | None
    urgency: int = Field(description="1 (critical) to 4 (low).")
    urgency_reason: str = Field(
        description="Why a lead set it apart from the matrix; empty if not."
    )
    status: str
    close_reason: str | None
    close_note: str
    team: TeamRef
    reported_by: TicketPersonOut
    assignee: TicketPersonOut | None
    incident: IncidentLink | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_classification(ticket: Ticket) -> str | None:
        return ticket.classification or None

    @staticmethod
    def resolve_close_reason(ticket: Ticket) -> str | None:
        return ticket.close_reason or None

    @staticmethod
    def resolve_incident(ticket: Ticket) -> dict | None:
        incident = ticket.incident
        if incident is None:
            return None
        return {
            "id": incident.pk,
            "reference": incident.reference,
            "title": incident.title,
            "status": incident.status,
            "severity": incident.severity.key,
            "resolved_at": incident.resolved_at,
        }


class TicketDetailOut(TicketOut):
    history: list[TicketEventOut]

    @staticmethod
    def resolve_history(ticket: Ticket) -> list:
        return list(ticket.history.all())


class TicketPage(Schema):
    count: int
    items: list[TicketOut]


class TicketFilters(Schema):
    status: Literal[("open", "all", *TicketStatus.values)] = Field(
        "open", description='"open" (every status but closed), "all", or one status.'
    )
    team: str | None = Field(None, description="A team slug.")
    urgency: int | None = Field(None, ge=1, le=4)
    scope: Literal[tuple(Scope.values)] | None = None
    classification: Literal[tuple(Classification.values)] | None = None
    mine: bool = Field(False, description="Only tickets opened or watched by the caller.")
    q: str | None = Field(None, description="Title, customer user id or TKT-n.", max_length=200)
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)

    no_nul_characters = field_validator("*", mode="before")(refuse_nul)


class TicketIn(Input):
    team: str = Field(description="The slug of the team that triages it.")
    title: str = Field(description="What goes wrong, in one line.")
    customer_user_id: str
    what_they_did: str
    what_happened: str
    scope: Literal[tuple(Scope.values)]
    criticality: Literal[tuple(Criticality.values)]
    expected: str = ""
    browser: str = ""
    session_replay_url: str = ""


class TriageIn(Input):
    classification: Literal[tuple(Classification.values)]
    urgency: StrictInt | None = Field(None, description="1-4; null: as the matrix says.")
    urgency_reason: str = Field("", description="Needed when the urgency differs from the matrix.")
    assignee: UserRef | None = None


class EscalateIn(Input):
    incident: str | None = Field(
        None, description="Join this open incident (INC-n or its id); null opens a new one."
    )


class CloseIn(Input):
    reason: Literal[tuple(CloseReason.values)]
    note: str = Field("", description="What the agent is told; needed for not_a_bug.")
    duplicate_of: str | None = Field(None, description="TKT-n or its id, for duplicate.")


class TicketReopenIn(Input):
    reason: str


class TicketCommentIn(Input):
    text: str


class MatrixCell(Schema):
    scope: str
    criticality: str
    urgency: int


def _number(reference: str, prefix: str) -> int | None:
    text = reference.strip().upper().removeprefix(prefix)
    if text.isascii() and text.isdigit() and len(text) <= 18 and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


def _ticket(request, ref: str) -> Ticket:
    number = _number(ref, "TKT-")
    ticket = (
        Ticket.objects.select_related("team", "incident__severity", "reported_by", "assignee")
        .filter(pk=number)
        .first()
        if number
        else None
    )
    if ticket is None:
        raise NotFound(f"no ticket {ref}")
    ensure_may_see_ticket(ticket, request.user)
    return ticket


def _other_ticket(ref: str | None) -> Ticket | None:
    if ref is None:
        return None
    number = _number(ref, "TKT-")
    ticket = Ticket.objects.filter(pk=number).first() if number else None
    if ticket is None:
        raise ValidationFailed(f"no ticket {ref}", field="duplicate_of")
    return ticket


def _incident(ref: str | None):
    if ref is None:
        return None
    number = _number(ref, "INC-")
    incident = Incident.objects.filter(pk=number).first() if number else None
    if incident is None:
        raise ValidationFailed(f"no incident {ref}", field="incident")
    return incident


@router.get("/tickets", response={200: TicketPage, **ERRORS})
def list_tickets(request, filters: Query[TicketFilters]):
    """Most urgent first, then newest; only the tickets the caller may see."""
    if not may_see_tickets(request.user):
        raise PermissionDenied("sign in to see tickets")
    tickets = tickets_for(
        request.user,
        status="" if filters.status == "open" else filters.status,
        team=team_by_slug(filters.team, field="team") if filters.team else None,
        urgency=filters.urgency,
        scope=filters.scope or "",
        classification=filters.classification or "",
        mine=filters.mine,
        q=filters.q or "",
    )
    return {
        "count": tickets.count(),
        "items": list(tickets[filters.offset : filters.offset + filters.limit]),
    }


@router.post("/tickets", response={201: TicketDetailOut, **ERRORS})
def open_ticket(request, payload: TicketIn):
    """Support agents, responders and admins; attach files afterwards with
    POST /tickets/{ref}/attachments."""
    fields = payload.model_dump()
    ticket = services.open_ticket(
        by=request.user, **{**fields, "team": team_by_slug(fields["team"], field="team")}
    )
    return Status(201, _ticket(request, str(ticket.pk)))


@router.get("/tickets/matrix", response={200: list[MatrixCell], **ERRORS})
def urgency_matrix(request):
    """Every cell of the urgency matrix: scope × criticality → urgency."""
    if not may_see_tickets(request.user):
        raise PermissionDenied("sign in to see the urgency matrix")
    return [
        {"scope": scope, "criticality": criticality, "urgency": urgency}
        for (scope, criticality), urgency in matrix().items()
    ]


@router.put("/tickets/matrix", response={200: list[MatrixCell], **ERRORS})
def set_urgency_matrix(request, payload: list[MatrixCell]):
    """Admins: set these cells; the others keep theirs."""
    with transaction.atomic():
        for cell in payload:
            services.set_urgency(
                scope=cell.scope,
                criticality=cell.criticality,
                urgency=cell.urgency,
                by=request.user,
            )
    return urgency_matrix(request)


@router.get("/tickets/{ref}", response={200: TicketDetailOut, **ERRORS})
def get_ticket(request, ref: str):
    return _ticket(request, ref)


@router.post("/tickets/{ref}/triage", response={200: TicketDetailOut, **ERRORS})
def triage_ticket(request, ref: str, payload: TriageIn):
    """The leads of the ticket's team and admins."""
    ticket = _ticket(request, ref)
    ensure_may_triage_ticket(ticket, request.user)  # before reading whom it names
    assignee = (
        None if payload.assignee is None else user_by_reference(payload.assignee, field="assignee")
    )
    services.triage_ticket(
        ticket=ticket,
        by=request.user,
        classification=payload.classification,
        urgency=payload.urgency,
        urgency_reason=payload.urgency_reason,
        assignee=assignee,
    )
    return _ticket(request, ref)


@router.post("/tickets/{ref}/escalate", response={200: TicketDetailOut, **ERRORS})
def escalate_ticket(request, ref: str, payload: EscalateIn):
    """Opens an incident (severity and team by the mappings) or joins an open one; a ticket
    that has an incident answers it again."""
    ticket = _ticket(request, ref)
    ensure_may_triage_ticket(ticket, request.user, action="escalate it")  # before the incident
    services.escalate_ticket(
        ticket=ticket, by=request.user, incident=_incident(payload.incident), via="api"
    )
    return _ticket(request, ref)


@router.post("/tickets/{ref}/close", response={200: TicketDetailOut, **ERRORS})
def close_ticket(request, ref: str, payload: CloseIn):
    ticket = _ticket(request, ref)
    ensure_may_triage_ticket(ticket, request.user, action="close it")  # before the duplicate
    services.close_ticket(
        ticket=ticket,
        by=request.user,
        reason=payload.reason,
        note=payload.note,
        duplicate_of=_other_ticket(payload.duplicate_of),
    )
    return _ticket(request, ref)


@router.post("/tickets/{ref}/reopen", response={200: TicketDetailOut, **ERRORS})
def reopen_ticket(request, ref: str, payload: TicketReopenIn):
    ticket = _ticket(request, ref)
    services.reopen_ticket(ticket=ticket, by=request.user, reason=payload.reason)
    return _ticket(request, ref)


@router.post("/tickets/{ref}/comments", response={201: TicketEventOut, **ERRORS})
def comment_on_ticket(request, ref: str, payload: TicketCommentIn):
    ticket = _ticket(request, ref)
    return Status(
        201, services.comment_on_ticket(ticket=ticket, by=request.user, text=payload.text)
    )
