"""What the incident page's "Status page" card posts: publish the incident, post an update,
resolve the public incident. Each goes back to the incident page; a refused or invalid one
is an error message there, and the service has changed nothing."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from tocsin.errors import DomainError, ValidationFailed
from tocsin.incidents.models import Incident

from .. import selectors, services
from ..forms import PublishForm, ResolveForm, UpdateForm
from ..models import PublicIncident
from .shared import page_of

CARD = "status-page"


def cleaned(form) -> dict:
    """The form's data, or a ValidationFailed naming the first problem."""
    if form.is_valid():
        return form.cleaned_data
    field, errors = next(iter(form.errors.items()))
    label = form.fields[field].label if field in form.fields else None
    label = label or field.replace("_", " ").capitalize()
    raise ValidationFailed(f"{label}: {errors[0]}", field=field)


def card_action(view):
    @login_required
    @require_POST
    @wraps(view)
    def wrapper(request, pk: int, **kwargs):
        incident = get_object_or_404(Incident.objects.select_related("team", "severity"), pk=pk)
        url = reverse("incident-detail", args=[incident.pk]) + f"#{CARD}"
        try:
            message = view(request, incident, **kwargs)
        except DomainError as error:
            messages.error(request, f"Status page: {error.message}")
        else:
            messages.success(request, message)
        return redirect(url)

    return wrapper


def _public_incident(incident: Incident, code: str) -> PublicIncident:
    return get_object_or_404(
        PublicIncident.objects.select_related("page", "incident__team"),
        code=code,
        incident=incident,
    )


@card_action
def publish(request, incident):
    page = page_of(request)
    form = PublishForm(request.POST, components=selectors.components_of(page))
    data = cleaned(form)
    public_incident = services.publish(
        page=page,
        by=request.user,
        incident=incident,
        name=data["name"],
        status=data["status"],
        body=data["body"],
        component_statuses=form.component_statuses(),
        impact_override=data["impact_override"],
        draft=data["draft"],
        notify=data["notify"],
    )
    if public_incident.published_at is None:
        return f"Draft saved for {page.name}: publish it when it is ready."
    return f"{incident.reference} is on {page.name} as “{public_incident.name}”."


@card_action
def update(request, incident, code: str):
    public_incident = _public_incident(incident, code)
    form = UpdateForm(request.POST, components=selectors.components_of(public_incident.page))
    data = cleaned(form)
    services.post_update(
        public_incident=public_incident,
        by=request.user,
        status=data["status"],
        body=data["body"],
        component_statuses=form.component_statuses(),
        display_at=data["display_at"],
        notify=data["notify"],
    )
    return f"Update posted on {public_incident.page.name}."


@card_action
def resolve(request, incident, code: str):
    public_incident = _public_incident(incident, code)
    data = cleaned(ResolveForm(request.POST))
    services.resolve_public_incident(
        public_incident=public_incident,
        by=request.user,
        body=data["body"],
        restore_components=data["restore_components"],
        notify=data["notify"],
    )
    restored = " and its components are back" if data["restore_components"] else ""
    return f"The public incident is resolved{restored}."
