"""The status each severity proposes for the components of an incident's services (admins)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tocsin.accounts.permissions import ensure_manages_status_pages, may_manage_status_pages
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error

from ..forms import ProposedStatusForm
from ..models import ProposedStatus
from ..services import set_proposed_status
from .shared import refuse


@login_required
@require_http_methods(["GET", "POST"])
def proposed_statuses(request):
    current = dict(ProposedStatus.objects.values_list("severity__key", "status"))
    initial = {f"severity-{key}": status for key, status in current.items()}
    status = 200
    if request.method == "POST":
        form = ProposedStatusForm(request.POST, initial=initial)
        if form.is_valid():
            try:
                ensure_manages_status_pages(
                    request.user, action="change the status each severity proposes"
                )
                with transaction.atomic():
                    for severity, value in form.table().items():
                        if value != current.get(severity.key, ""):
                            set_proposed_status(
                                severity=severity, status=value or None, by=request.user
                            )
            except PermissionDenied as error:
                refuse(error)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, "Saved: new incidents propose these statuses.")
                return redirect("statuspage-proposed")
        status = 422
    else:
        form = ProposedStatusForm(initial=initial)
    return render(
        request,
        "statuspage/manage/proposed.html",
        {"form": form, "may_manage": may_manage_status_pages(request.user)},
        status=status,
    )
