"""Public incidents: the list with the form that publishes one no incident stands behind, and
each one with its updates and the forms that update, resolve, rename or publish it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from tocsin.accounts.permissions import may_add_components, may_post_public_update
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error

from .. import selectors, services
from ..forms import PublicIncidentForm, PublishForm, ResolveForm, UpdateForm
from ..markdown import render as markdown
from ..models import IncidentStatus, PublicIncident
from .overview import with_permissions
from .shared import action, page_of, refuse, url_for


def _list_page(request, page, *, form=None, status=200):
    user = request.user
    components = selectors.components_of(page)
    return render(
        request,
        "statuspage/manage/incident_list.html",
        {
            "page": page,
            "incidents": with_permissions(
                selectors.public_incidents(page, user).select_related("incident"), user
            ),
            "form": form or PublishForm(components=components, auto_id="publish_%s"),
            "may_publish": may_add_components(user),
        },
        status=status,
    )


@login_required
@require_GET
def incident_list(request):
    return _list_page(request, page_of(request))


@login_required
@require_POST
def incident_publish(request):
    """A public incident of no internal incident (an admin's or a lead's)."""
    page = page_of(request)
    form = PublishForm(request.POST, components=selectors.components_of(page), auto_id="publish_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            public_incident = services.publish(
                page=page,
                by=request.user,
                name=data["name"],
                status=data["status"],
                body=data["body"],
                component_statuses=form.component_statuses(),
                impact_override=data["impact_override"],
                draft=data["draft"],
                notify=data["notify"],
            )
        except PermissionDenied as error:
            refuse(error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                f"Draft {public_incident.name} saved."
                if data["draft"]
                else f"{public_incident.name} is on the status page.",
            )
            return redirect("statuspage-incident", code=public_incident.code)
    return _list_page(request, page, form=form, status=422)


def public_incident_or_404(code: str) -> PublicIncident:
    return get_object_or_404(
        PublicIncident.objects.select_related("page", "incident__team"), code=code
    )


def _detail_page(
    request, public_incident, *, update_form=None, resolve_form=None, edit_form=None, status=200
):
    page = public_incident.page
    components = selectors.components_of(page)
    updates = list(public_incident.updates.select_related("author").order_by("-display_at", "-id"))
    for update in updates:
        update.html = markdown(update.body)
    return render(
        request,
        "statuspage/manage/incident_detail.html",
        {
            "page": page,
            "public_incident": public_incident,
            "impact": services.impact(public_incident),
            "components": public_incident.components.order_by("position", "name"),
            "updates": updates,
            "update_form": update_form
            or UpdateForm(
                components=components,
                initial={"status": public_incident.status},
                auto_id="update_%s",
            ),
            "resolve_form": resolve_form or ResolveForm(auto_id="resolve_%s"),
            "edit_form": edit_form
            or PublicIncidentForm(
                initial={
                    "name": public_incident.name,
                    "impact_override": public_incident.impact_override,
                },
                auto_id="edit_%s",
            ),
            "may_update": may_post_public_update(request.user, public_incident),
            "resolved": public_incident.status == IncidentStatus.RESOLVED,
        },
        status=status,
    )


@login_required
@require_GET
def incident_detail(request, code: str):
    return _detail_page(request, public_incident_or_404(code))


def _done(request, public_incident, message):
    messages.success(request, message)
    return redirect("statuspage-incident", code=public_incident.code)


@login_required
@require_POST
def incident_update(request, code: str):
    public_incident = public_incident_or_404(code)
    form = UpdateForm(
        request.POST, components=selectors.components_of(public_incident.page), auto_id="update_%s"
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.post_update(
                public_incident=public_incident,
                by=request.user,
                status=data["status"],
                body=data["body"],
                component_statuses=form.component_statuses(),
                display_at=data["display_at"],
                notify=data["notify"],
            )
        except PermissionDenied as error:
            refuse(error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _done(request, public_incident, "Update posted.")
    return _detail_page(request, public_incident, update_form=form, status=422)


@login_required
@require_POST
def incident_resolve(request, code: str):
    public_incident = public_incident_or_404(code)
    form = ResolveForm(request.POST, auto_id="resolve_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.resolve_public_incident(
                public_incident=public_incident,
                by=request.user,
                body=data["body"],
                restore_components=data["restore_components"],
                notify=data["notify"],
            )
        except PermissionDenied as error:
            refuse(error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _done(request, public_incident, f"{public_incident.name} is resolved.")
    return _detail_page(request, public_incident, resolve_form=form, status=422)


@login_required
@require_POST
def incident_edit(request, code: str):
    public_incident = public_incident_or_404(code)
    form = PublicIncidentForm(request.POST, auto_id="edit_%s")
    if form.is_valid():
        try:
            services.update_public_incident(
                public_incident=public_incident, by=request.user, **form.cleaned_data
            )
        except PermissionDenied as error:
            refuse(error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return _done(request, public_incident, "Saved.")
    return _detail_page(request, public_incident, edit_form=form, status=422)


@action
def incident_publish_draft(request, code: str):
    public_incident = public_incident_or_404(code)
    request.back = url_for("statuspage-incident", public_incident.page, public_incident.code)
    services.publish_draft(public_incident=public_incident, by=request.user)
    return f"{public_incident.name} is on the status page.", request.back


@action
def incident_delete(request, code: str):
    public_incident = public_incident_or_404(code)
    request.back = url_for("statuspage-incident", public_incident.page, public_incident.code)
    services.delete_public_incident(public_incident=public_incident, by=request.user)
    return (
        f"{public_incident.name} is off the status page.",
        url_for("statuspage-incidents", public_incident.page),
    )
