"""Incident pages: thin views that parse a form, call one service, and render or redirect.

Every action is its own small POST view calling exactly one service with via=Channel.WEB. A
DomainError becomes an error message on the incident page; the service has changed nothing.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.accounts.permissions import is_read_only
from tocsin.errors import DomainError, ValidationFailed
from tocsin.forms import add_domain_error

from . import services
from .forms import (
    SETTABLE_STATUSES,
    AssignForm,
    DeclareForm,
    IncidentFilterForm,
    NoteForm,
    ReasonForm,
    RemoveRoleForm,
    ResolveForm,
    RoleForm,
    SeverityForm,
    StatusForm,
)
from .models import Channel, Incident, Role, Status
from .selectors import incidents_matching

PAGE_SIZE = 25


@login_required
@require_GET
def home(request):
    return redirect("incident-list")


@login_required
@require_GET
def incident_list(request):
    form = IncidentFilterForm(request.GET)
    filters = form.filters()
    page = Paginator(incidents_matching(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/incident_list.html",
        {
            "form": form,
            "page": page,
            "filtered": any(value is not None for value in filters.values()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_declare(request):
    if request.method == "POST":
        form = DeclareForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident = services.declare(
                    title=data["title"],
                    severity=data["severity"],
                    team=data["team"],
                    by=request.user,
                    via=Channel.WEB,
                    description=data["description"],
                    services=data["services"],
                    drill=data["drill"],
                    impact_who=data["impact_who"],
                    impact_how=data["impact_how"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                kind = "Drill" if incident.drill else "Incident"
                messages.success(request, f"{kind} {incident.reference} declared.")
                return redirect("incident-detail", pk=incident.pk)
    else:
        first_team = request.user.teams.order_by("name").first()
        form = DeclareForm(initial={"team": first_team})
    return render(request, "incidents/incident_declare.html", {"form": form})


def _incident(pk: int) -> Incident:
    return get_object_or_404(
        Incident.objects.select_related(
            "severity", "team", "acknowledged_by", "resolved_by", "reported_by"
        ),
        pk=pk,
    )


def _live_context(incident: Incident, user) -> dict:
    """What the status header and the timeline need; shared by the page and its live fragment."""
    roles = sorted(
        incident.role_assignments.filter(ended_at__isnull=True).select_related("user"),
        key=lambda r: (Role.values.index(r.role), r.assigned_at, r.pk),
    )
    return {
        "incident": incident,
        "commander": next((r.user for r in roles if r.role == Role.COMMANDER), None),
        "other_roles": [r for r in roles if r.role != Role.COMMANDER],
        "timeline": incident.timeline.order_by("-at", "-id"),
        "read_only": is_read_only(user),
    }


def _actions(incident: Incident) -> dict:
    """Which action forms make sense for the incident's status (the services decide who may)."""
    allowed = services.TRANSITIONS[incident.status]
    return {
        "acknowledge": incident.is_open and incident.acknowledged_by_id is None,
        "assign": incident.is_open,
        "statuses": [(s, Status(s).label) for s in SETTABLE_STATUSES if s in allowed],
        "resolve": Status.RESOLVED in allowed,
        "cancel": Status.CANCELLED in allowed,
        "reopen": not incident.is_open,
        "severity": incident.is_open,
        "roles": incident.is_open,
    }


@login_required
@require_GET
def incident_detail(request, pk: int):
    incident = _incident(pk)
    context = _live_context(incident, request.user)
    context.update(
        actions=_actions(incident),
        services_list=list(incident.services.all()),
        assign_form=AssignForm(team=incident.team, auto_id="assign_%s"),
        resolve_form=ResolveForm(
            team=incident.team, default=incident.acknowledged_by, auto_id="resolve_%s"
        ),
        cancel_form=ReasonForm(auto_id="cancel_%s"),
        reopen_form=ReasonForm(auto_id="reopen_%s"),
        severity_form=SeverityForm(initial={"severity": incident.severity}, auto_id="sev_%s"),
        role_form=RoleForm(auto_id="role_%s"),
        note_form=NoteForm(auto_id="note_%s"),
        live_url=reverse("incident-live", args=[incident.pk]) if incident.is_open else "",
    )
    return render(request, "incidents/incident_detail.html", context)


@never_cache
@login_required
@require_GET
def incident_live(request, pk: int):
    """The status header and the timeline, for the page's live refresh."""
    incident = _incident(pk)
    return render(request, "incidents/_live.html", _live_context(incident, request.user))


def _cleaned(form) -> dict:
    """The form's data, or a ValidationFailed naming the first problem."""
    if form.is_valid():
        return form.cleaned_data
    field, errors = next(iter(form.errors.items()))
    label = form.fields[field].label if field in form.fields else None
    label = label or field.replace("_", " ").capitalize()
    raise ValidationFailed(f"{label}: {errors[0]}", field=field)


def incident_action(view):
    """A POST that calls one service for one incident, then goes back to the incident page.

    The wrapped function returns the success message, or a (message, fragment) pair to land on
    a part of the page; a DomainError is shown as an error message instead.
    """

    @login_required
    @require_POST
    @wraps(view)
    def wrapper(request, pk: int):
        incident = _incident(pk)
        url = reverse("incident-detail", args=[incident.pk])
        try:
            result = view(request, incident)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(url)
        message, fragment = result if isinstance(result, tuple) else (result, "")
        if message:
            messages.success(request, message)
        return redirect(f"{url}#{fragment}" if fragment else url)

    return wrapper


@incident_action
def incident_acknowledge(request, incident):
    services.acknowledge(incident=incident, by=request.user, via=Channel.WEB)
    return f"You acknowledged {incident.reference} and own it now."


@incident_action
def incident_assign(request, incident):
    to = _cleaned(AssignForm(request.POST, team=incident.team))["to"]
    services.assign(incident=incident, to=to, by=request.user, via=Channel.WEB)
    return f"{incident.reference} is assigned to {to}."


@incident_action
def incident_status(request, incident):
    status = _cleaned(StatusForm(request.POST))["status"]
    services.set_status(incident=incident, status=status, by=request.user, via=Channel.WEB)
    return f"{incident.reference} is now {Status(status).label}."


@incident_action
def incident_resolve(request, incident):
    data = _cleaned(ResolveForm(request.POST, team=incident.team))
    services.resolve(
        incident=incident,
        by=request.user,
        via=Channel.WEB,
        resolution=data["resolution"],
        resolved_by=data["resolved_by"],
    )
    return f"{incident.reference} is resolved."


@incident_action
def incident_cancel(request, incident):
    reason = _cleaned(ReasonForm(request.POST))["reason"]
    services.cancel(incident=incident, by=request.user, via=Channel.WEB, reason=reason)
    return f"{incident.reference} is cancelled."


@incident_action
def incident_reopen(request, incident):
    reason = _cleaned(ReasonForm(request.POST))["reason"]
    services.reopen(incident=incident, by=request.user, via=Channel.WEB, reason=reason)
    return f"{incident.reference} is open again."


@incident_action
def incident_severity(request, incident):
    severity = _cleaned(SeverityForm(request.POST))["severity"]
    services.change_severity(incident=incident, severity=severity, by=request.user, via=Channel.WEB)
    return f"{incident.reference} is now {severity}."


@incident_action
def incident_role(request, incident):
    data = _cleaned(RoleForm(request.POST))
    services.assign_role(
        incident=incident, user=data["user"], role=data["role"], by=request.user, via=Channel.WEB
    )
    return f"{data['user']} is the {Role(data['role']).label.lower()} of {incident.reference}."


@incident_action
def incident_role_remove(request, incident):
    data = _cleaned(RemoveRoleForm(request.POST))
    services.remove_role(
        incident=incident, user=data["user"], role=data["role"], by=request.user, via=Channel.WEB
    )
    return f"{data['user']} is no longer {Role(data['role']).label.lower()}."


@incident_action
def incident_note(request, incident):
    text = _cleaned(NoteForm(request.POST))["text"]
    services.add_note(incident=incident, by=request.user, via=Channel.WEB, text=text)
    return "", "timeline"
