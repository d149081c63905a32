"""Maintenances: the public side of alerting's maintenance windows. Scheduled here (in the
viewer's time zone) on components, they make one window per linked service; updated,
completed early or cancelled here, the windows follow."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tocsin.accounts.permissions import may_add_components, may_edit_component
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error

from .. import selectors, services
from ..forms import MaintenanceForm, MaintenanceUpdateForm, NoteForm
from ..markdown import render as markdown
from ..models import Maintenance, MaintenanceStatus
from .shared import action, page_of, refuse, url_for


def _may_change(user, maintenance) -> bool:
    return all(may_edit_component(user, c) for c in maintenance.components.all())


def _list_page(request, page, *, form=None, status=200):
    now = timezone.now()
    rows = list(selectors.maintenances(page).select_related("created_by"))
    for maintenance in rows:
        maintenance.now_status = (
            "cancelled" if maintenance.cancelled_at else maintenance.status_at(now)
        )
    return render(
        request,
        "statuspage/manage/maintenance_list.html",
        {
            "page": page,
            "open": sorted(
                [m for m in rows if m.now_status not in ("cancelled", MaintenanceStatus.COMPLETED)],
                key=lambda m: m.scheduled_for,
            ),
            "past": [m for m in rows if m.now_status in ("cancelled", MaintenanceStatus.COMPLETED)][
                :20
            ],
            "form": form or MaintenanceForm(page=page, auto_id="maintenance_%s"),
            "may_schedule": may_add_components(request.user),
        },
        status=status,
    )


@login_required
@require_GET
def maintenance_list(request):
    return _list_page(request, page_of(request))


@login_required
@require_POST
def maintenance_schedule(request):
    page = page_of(request)
    form = MaintenanceForm(request.POST, page=page, auto_id="maintenance_%s")
    if form.is_valid():
        try:
            maintenance = services.schedule(page=page, by=request.user, **form.cleaned_data)
        except PermissionDenied as error:
            refuse(error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                f"{maintenance.name} is scheduled: alerts about its services are suppressed "
                "while it runs.",
            )
            return redirect("statuspage-maintenance", code=maintenance.code)
    return _list_page(request, page, form=form, status=422)


def _maintenance(code: str) -> Maintenance:
    return get_object_or_404(Maintenance.objects.select_related("page"), code=code)


def _detail_page(request, maintenance, *, update_form=None, status=200):
    now = timezone.now()
    updates = list(maintenance.updates.select_related("author").order_by("-display_at", "-id"))
    for update in updates:
        update.html = markdown(update.body)
    current = "cancelled" if maintenance.cancelled_at else maintenance.status_at(now)
    return render(
        request,
        "statuspage/manage/maintenance_detail.html",
        {
            "page": maintenance.page,
            "maintenance": maintenance,
            "status": current,
            "updates": updates,
            "windows": maintenance.windows.select_related("service").order_by("service__name"),
            "components": maintenance.components.order_by("position", "name"),
            "update_form": update_form or MaintenanceUpdateForm(auto_id="update_%s"),
            "note_form": NoteForm(auto_id="note_%s"),
            "may_change": _may_change(request.user, maintenance),
            "may_complete": current in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING),
            "may_cancel": current == MaintenanceStatus.SCHEDULED,
            "is_open": current not in ("cancelled", MaintenanceStatus.COMPLETED),
        },
        status=status,
    )


@login_required
@require_GET
def maintenance_detail(request, code: str):
    return _detail_page(request, _maintenance(code))


@login_required
@require_POST
def maintenance_update(request, code: str):
    maintenance = _maintenance(code)
    form = MaintenanceUpdateForm(request.POST, auto_id="update_%s")
    if form.is_valid():
        try:
            services.post_maintenance_update(
                maintenance=maintenance,
                by=request.user,
                body=form.cleaned_data["body"],
                verifying=form.verifying_value(),
            )
        except PermissionDenied as error:
            refuse(error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Update posted.")
            return redirect("statuspage-maintenance", code=maintenance.code)
    return _detail_page(request, maintenance, update_form=form, status=422)


def _note(request) -> str:
    form = NoteForm(request.POST)
    return form.cleaned_data["body"] if form.is_valid() else ""


@action
def maintenance_complete(request, code: str):
    maintenance = _maintenance(code)
    request.back = url_for("statuspage-maintenance", maintenance.page, maintenance.code)
    services.complete_early(maintenance=maintenance, by=request.user, body=_note(request))
    return f"{maintenance.name} is completed: its services' alerts page again.", request.back


@action
def maintenance_cancel(request, code: str):
    maintenance = _maintenance(code)
    request.back = url_for("statuspage-maintenance", maintenance.page, maintenance.code)
    services.cancel_maintenance(maintenance=maintenance, by=request.user, body=_note(request))
    return f"{maintenance.name} is cancelled.", request.back
