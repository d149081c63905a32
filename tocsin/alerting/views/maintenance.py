"""Maintenance windows: current, upcoming and past ones, scheduling and ending them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tocsin.accounts.permissions import is_read_only
from tocsin.errors import DomainError
from tocsin.forms import add_domain_error

from .. import selectors, services
from ..forms import MaintenanceForm
from ..models import MaintenanceWindow


def _maintenance_page(request, *, form=None, status=200):
    now = timezone.now()
    return render(
        request,
        "alerting/maintenance_list.html",
        {
            "current": selectors.maintenance_windows(state="current", now=now),
            "upcoming": selectors.maintenance_windows(state="upcoming", now=now),
            "past": selectors.maintenance_windows(state="past", now=now)[:20],
            "form": form or MaintenanceForm(auto_id="maintenance_%s"),
            "read_only": is_read_only(request.user),
        },
        status=status,
    )


@login_required
@require_GET
def maintenance_list(request):
    return _maintenance_page(request)


@login_required
@require_POST
def maintenance_create(request):
    form = MaintenanceForm(request.POST, auto_id="maintenance_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            window = services.schedule_maintenance(
                service=data["service"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data["reason"],
                by=request.user,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                f"Maintenance scheduled for {window.service}: alerts about it are suppressed "
                "during the window.",
            )
            return redirect("maintenance-list")
    return _maintenance_page(request, form=form, status=422)


@login_required
@require_POST
def maintenance_end(request, pk: int):
    window = get_object_or_404(MaintenanceWindow.objects.select_related("service__team"), pk=pk)
    try:
        window = services.end_maintenance(window=window, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Upcoming maintenance of {window.service} cancelled."
            if window.cancelled
            else f"Maintenance of {window.service} ended: its alerts page again.",
        )
    return redirect("maintenance-list")
