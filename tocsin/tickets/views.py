"""The ticket pages: the list with its filters, "New ticket", the ticket page with its history
and the lead's triage, escalation and closing, and the admins' urgency matrix and mappings.
Thin: parse, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.accounts.permissions import (
    is_agent,
    may_manage_ticket_settings,
    may_open_ticket,
    may_see_ticket,
    may_triage_ticket,
    may_work_on_ticket,
)
from tocsin.errors import DomainError, PermissionDenied, ValidationFailed
from tocsin.forms import add_domain_error
from tocsin.hotfixes.selectors import hot_fixes_of
from tocsin.incidents.models import OPEN_STATUSES, Incident, Severity

from . import services
from .forms import (
    ClassificationTeamForm,
    CloseForm,
    CommentForm,
    EscalateForm,
    ReopenForm,
    TicketFilterForm,
    TicketForm,
    TriageForm,
    UrgencyCellForm,
    UrgencySeverityForm,
)
from .matrix import COLUMNS, matrix, severity_for, team_for, urgency_for
from .models import (
    Classification,
    ClassificationTeam,
    Criticality,
    Scope,
    Ticket,
    Urgency,
    UrgencySeverity,
)
from .selectors import tickets_for

PER_PAGE = 50


def _ticket(request, pk: int) -> Ticket:
    ticket = get_object_or_404(
        Ticket.objects.select_related("team", "incident__severity", "reported_by", "assignee"),
        pk=pk,
    )
    if not may_see_ticket(ticket, request.user):
        raise Forbidden("only support agents and the ticket's team may see this ticket")
    return ticket


@login_required
@require_GET
def ticket_list(request):
    form = TicketFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    tickets = tickets_for(request.user, **{k: v for k, v in filters.items() if v not in (None, "")})
    page = Paginator(tickets, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tickets/ticket_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "may_open": may_open_ticket(request.user),
            "may_manage": may_manage_ticket_settings(request.user),
        },
    )


def _new_page(request, form, *, status=200):
    return render(
        request,
        "tickets/ticket_form.html",
        {"form": form, "matrix": _matrix_rows(), "columns": COLUMNS},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def ticket_create(request):
    if not may_open_ticket(request.user):
        raise Forbidden("only support agents, responders and admins may open tickets")
    if request.method == "GET":
        teams = TicketForm.base_fields["team"].queryset
        initial = {"team": teams.first()} if teams.count() == 1 else {}
        return _new_page(request, TicketForm(initial=initial))
    form = TicketForm(request.POST, request.FILES)
    if form.is_valid():
        fields = dict(form.cleaned_data)
        uploads = fields.pop("attachments")
        try:
            ticket = services.open_ticket(by=request.user, uploads=uploads, **fields)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"{ticket.reference} opened: {ticket.tagline}")
            return redirect("ticket-detail", ticket.pk)
    return _new_page(request, form, status=422)


def _detail(request, ticket: Ticket, *, status=200, **forms):
    user = request.user
    triages = may_triage_ticket(ticket, user)
    open_incidents = Incident.objects.filter(status__in=OPEN_STATUSES).order_by("-reported_at")
    context = {
        "ticket": ticket,
        "history": ticket.history.all(),
        "attachments": ticket.attachments.all(),
        "may_work": may_work_on_ticket(ticket, user),
        "may_triage": triages,
        "is_agent": is_agent(user),
        "watching": ticket.watchers.filter(pk=user.pk).exists(),
        "matrix_urgency": Urgency(urgency_for(ticket.scope, ticket.criticality)),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "hot_fixes": hot_fixes_of(ticket.incident) if ticket.incident_id else [],
    }
    if triages and not ticket.is_closed:
        context["triage_form"] = forms.get("triage_form") or TriageForm(
            initial={
                "classification": ticket.classification,
                "urgency": ticket.urgency if ticket.urgency_reason else None,
                "urgency_reason": ticket.urgency_reason,
                "assignee": ticket.assignee_id,
            }
        )
        if ticket.incident_id is None:
            context["escalate_form"] = forms.get("escalate_form") or EscalateForm(
                open_incidents=open_incidents
            )
            if ticket.classification:
                context["would_open"] = {
                    "severity": severity_for(ticket.urgency),
                    "team": team_for(ticket),
                }
        context["close_form"] = forms.get("close_form") or CloseForm()
    if triages and ticket.is_closed:
        context["reopen_form"] = forms.get("reopen_form") or ReopenForm()
    return render(request, "tickets/ticket_detail.html", context, status=status)


@login_required
@require_GET
def ticket_detail(request, pk: int):
    return _detail(request, _ticket(request, pk))


def _act(request, pk: int, form_class, name: str, call, *, form_kwargs=None):
    """A POST of one of the ticket page's forms: the service's answer, or the page again with
    the refusal on the form (422), or 403 for someone the page offers no such form."""
    ticket = _ticket(request, pk)
    form = form_class(request.POST, **(form_kwargs or {}))
    if form.is_valid():
        try:
            message = call(ticket, form.cleaned_data)
        except PermissionDenied as error:
            raise Forbidden(error.message) from error
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, message)
            return redirect("ticket-detail", ticket.pk)
    return _detail(request, ticket, status=422, **{name: form})


@login_required
@require_POST
def ticket_triage(request, pk: int):
    def triage(ticket, data):
        ticket = services.triage_ticket(ticket=ticket, by=request.user, **data)
        return f"{ticket.reference} triaged: {ticket.tagline}"

    return _act(request, pk, TriageForm, "triage_form", triage)


@login_required
@require_POST
def ticket_escalate(request, pk: int):
    def escalate(ticket, data):
        incident = services.escalate_ticket(
            ticket=ticket, by=request.user, incident=data["incident"]
        )
        return f"{ticket.reference} escalated to {incident.reference}."

    open_incidents = Incident.objects.filter(status__in=OPEN_STATUSES)
    return _act(
        request,
        pk,
        EscalateForm,
        "escalate_form",
        escalate,
        form_kwargs={"open_incidents": open_incidents},
    )


@login_required
@require_POST
def ticket_close(request, pk: int):
    def close(ticket, data):
        duplicate_of = None
        if data["duplicate_of"]:
            number = data["duplicate_of"].strip().upper().removeprefix("TKT-")
            duplicate_of = Ticket.objects.filter(
                pk=int(number) if number.isascii() and number.isdigit() and len(number) < 18 else 0
            ).first()
            if duplicate_of is None:
                raise ValidationFailed(
                    f"there is no ticket {data['duplicate_of']}", field="duplicate_of"
                )
        ticket = services.close_ticket(
            ticket=ticket,
            by=request.user,
            reason=data["reason"],
            note=data["note"],
            duplicate_of=duplicate_of,
        )
        return f"{ticket.reference} closed: {ticket.get_close_reason_display()}."

    return _act(request, pk, CloseForm, "close_form", close)


@login_required
@require_POST
def ticket_reopen(request, pk: int):
    def reopen(ticket, data):
        ticket = services.reopen_ticket(ticket=ticket, by=request.user, reason=data["reason"])
        return f"{ticket.reference} reopened."

    return _act(request, pk, ReopenForm, "reopen_form", reopen)


@login_required
@require_POST
def ticket_comment(request, pk: int):
    def comment(ticket, data):
        services.comment_on_ticket(ticket=ticket, by=request.user, text=data["text"])
        return "Comment added."

    return _act(request, pk, CommentForm, "comment_form", comment)


@login_required
@require_POST
def ticket_watch(request, pk: int):
    ticket = _ticket(request, pk)
    watching = request.POST.get("watch") != "off"
    try:
        services.watch_ticket(ticket=ticket, by=request.user, watching=watching)
    except PermissionDenied as error:
        raise Forbidden(error.message) from error
    messages.success(
        request,
        f"You watch {ticket.reference}."
        if watching
        else f"You no longer watch {ticket.reference}.",
    )
    return redirect("ticket-detail", ticket.pk)


# ---------------------------------------------------------------------------------------------
# The urgency matrix and the escalation mappings


def _matrix_rows():
    cells = matrix()
    return [
        {
            "scope": scope,
            "cells": [
                {"criticality": criticality, "urgency": Urgency(cells[(scope, criticality)])}
                for criticality in COLUMNS
            ],
        }
        for scope in Scope
    ]


def _settings_page(request, *, status=200, **forms):
    severities = {
        row.urgency: row.severity for row in UrgencySeverity.objects.select_related("severity")
    }
    teams = {
        row.classification: row.team for row in ClassificationTeam.objects.select_related("team")
    }
    ladder = list(Severity.objects.order_by("rank"))
    return render(
        request,
        "tickets/ticket_settings.html",
        {
            "matrix": _matrix_rows(),
            "columns": COLUMNS,
            "criticalities": Criticality,
            "urgency_severities": [
                {
                    "urgency": urgency,
                    "severity": severities.get(urgency.value)
                    or (ladder[min(urgency.value, len(ladder)) - 1] if ladder else None),
                    "mapped": urgency.value in severities,
                }
                for urgency in Urgency
            ],
            "classification_teams": [
                {"classification": c, "team": teams.get(c.value)} for c in Classification
            ],
            "may_manage": may_manage_ticket_settings(request.user),
            "cell_form": forms.get("cell_form") or UrgencyCellForm(),
            "severity_form": forms.get("severity_form") or UrgencySeverityForm(),
            "team_form": forms.get("team_form") or ClassificationTeamForm(),
        },
        status=status,
    )


@login_required
@require_GET
def ticket_settings(request):
    return _settings_page(request)


def _setting(request, form_class, name: str, call):
    form = form_class(request.POST)
    if form.is_valid():
        try:
            message = call(form.cleaned_data)
        except PermissionDenied as error:
            raise Forbidden(error.message) from error
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, message)
            return redirect("ticket-settings")
    return _settings_page(request, status=422, **{name: form})


@login_required
@require_POST
def urgency_cell_set(request):
    def set_cell(data):
        services.set_urgency(by=request.user, **data)
        return f"{data['scope']}-{data['criticality']} is now {Urgency(data['urgency']).label}."

    return _setting(request, UrgencyCellForm, "cell_form", set_cell)


@login_required
@require_POST
def urgency_severity_set(request):
    def set_severity(data):
        services.set_urgency_severity(by=request.user, **data)
        severity = severity_for(data["urgency"])
        return f"{Urgency(data['urgency']).label} tickets now escalate at {severity}."

    return _setting(request, UrgencySeverityForm, "severity_form", set_severity)


@login_required
@require_POST
def classification_team_set(request):
    def set_team(data):
        services.set_classification_team(by=request.user, **data)
        team = data["team"].name if data["team"] else "the ticket's own team"
        return f"{data['classification']} tickets now escalate to {team}."

    return _setting(request, ClassificationTeamForm, "team_form", set_team)
