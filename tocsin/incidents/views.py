"""Incident pages: thin views that parse a form, call one service, and render or redirect.

The list, declaring, the live fragment and the actions. The incident page itself shows on-call's
escalation card too, so it is in tocsin/pages/; every action here is its own small POST view
calling exactly one service with via=Channel.WEB and redirecting back to that page. A
DomainError becomes an error message there; the service has changed nothing.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.accounts.permissions import is_read_only, may_declare, may_remove_incident_role
from tocsin.errors import DomainError, ValidationFailed
from tocsin.forms import add_domain_error
from tocsin.validation import whole_number

from . import services
from .forms import (
    AssignForm,
    DeclareForm,
    NoteForm,
    ReasonForm,
    RemoveRoleForm,
    ResolveForm,
    RoleForm,
    SeverityForm,
    StatusForm,
)
from .models import Channel, Incident, Role, Status
from .selectors import ListPage, list_page, parse_cursor

# Far beyond any list, and small enough that the offset it makes fits every database.
MAX_PAGE_NUMBER = 10_000_000


@login_required
@require_GET
def home(request):
    return redirect("incident-list")


@login_required
@require_http_methods(["GET", "POST"])
def incident_declare(request):
    if not may_declare(request.user):
        raise PermissionDenied(
            f"{request.user} is a viewer and may not change anything: viewers follow "
            "incidents but do not declare them"
        )
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


def incident_or_404(pk: int) -> Incident:
    """The incident, with the rows its header shows, or a 404."""
    return get_object_or_404(
        Incident.objects.select_related(
            "severity", "team", "acknowledged_by", "resolved_by", "reported_by"
        ),
        pk=pk,
    )


def live_context(incident: Incident, user) -> dict:
    """What the status header and the timeline need: for the live fragment, and for the whole
    incident page (tocsin/pages/, which adds the actions and the escalation card)."""
    roles = sorted(
        incident.role_assignments.filter(ended_at__isnull=True).select_related("user"),
        key=lambda r: (Role.values.index(r.role), r.assigned_at, r.pk),
    )
    for assignment in roles:
        assignment.may_remove = incident.is_open and may_remove_incident_role(
            incident, assignment.user, user
        )
    return {
        "incident": incident,
        "commander": next((r.user for r in roles if r.role == Role.COMMANDER), None),
        "other_roles": [r for r in roles if r.role != Role.COMMANDER],
        "timeline": incident.timeline.order_by("-at", "-id"),
        "read_only": is_read_only(user),
    }


@never_cache
@login_required
@require_GET
def incident_live(request, pk: int):
    """The status header and the timeline, for the page's live refresh."""
    incident = incident_or_404(pk)
    return render(request, "incidents/_live.html", live_context(incident, request.user))


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
        incident = incident_or_404(pk)
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


class ListPageView:
    """One page of the incident list as its template shows it: the rows, the count (exact up
    to selectors.COUNT_CAP), and links by page number, the next one carrying a cursor."""

    def __init__(self, incidents, *, number: int, size: int, cursor: str | None, search: bool):
        self.search = search
        after = parse_cursor(cursor) if cursor and number > 1 else None
        page = self._read(incidents, number=number, size=size, after=after)
        if not page.items and number > 1:
            # Beyond the end, as an old link may be: the last page instead.
            total = page.count if page.count_is_exact else incidents.count()
            number = max(1, -(-total // size))
            page = self._read(incidents, number=number, size=size, after=None)
        self.number = number
        self.object_list = page.items
        self.count = page.count
        self.count_is_exact = page.count_is_exact
        self.count_text = f"{page.count:,}" if not page.count_is_exact else str(page.count)
        self.num_pages = max(1, -(-page.count // size)) if page.count_is_exact else None
        self.next_cursor = page.next_cursor
        self.has_next = page.next_cursor is not None
        self.has_previous = number > 1
        self.next_page_number = number + 1
        self.previous_page_number = number - 1

    def _read(self, incidents, *, number: int, size: int, after) -> ListPage:
        return list_page(
            incidents,
            order="needing_a_human_first",
            limit=size,
            offset=0 if after else (number - 1) * size,
            after=after,
            search=self.search,
        )


def page_number(text: str | None) -> int:
    """The list's `page` parameter: a whole number from 1, anything else the first page."""
    number = whole_number(text or "")
    return min(number, MAX_PAGE_NUMBER) if number else 1
