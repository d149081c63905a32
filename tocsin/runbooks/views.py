"""The runbook pages (list, write, read, edit, versions with their diffs), the alert catalogue,
and the incident page's tick and untick. Thin: parse, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.accounts.permissions import may_add_runbooks, may_edit_runbook
from tocsin.alerting.models import Integration
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error
from tocsin.incidents.models import Channel, Incident

from . import services
from .catalogue import fill, summaries
from .forms import RunbookForm, TickForm, UntickForm
from .models import Runbook
from .steps import diff_lines, steps_of

# Alert names on one page of the catalogue: every row is read and drawn per request.
CATALOGUE_PAGE = 100


def _refuse(error: PermissionDenied):
    raise Forbidden(error.message) from error


def _runbook(slug: str) -> Runbook:
    return get_object_or_404(Runbook, slug=slug)


@login_required
@require_GET
def runbook_list(request):
    runbooks = Runbook.objects.prefetch_related("services", "alerts")
    return render(
        request,
        "runbooks/runbook_list.html",
        {"runbooks": runbooks, "may_add": may_add_runbooks(request.user)},
    )


def _form_page(request, form, *, runbook=None, status=200):
    return render(
        request,
        "runbooks/runbook_form.html",
        {"form": form, "runbook": runbook},
        status=status,
    )


def _save(request, form, *, runbook=None):
    """The service's answer to a valid form: the runbook, or None with the error on the form."""
    fields = form.cleaned_data
    try:
        if runbook is None:
            return services.create_runbook(by=request.user, **fields)
        return services.update_runbook(runbook=runbook, by=request.user, **fields)
    except PermissionDenied as error:
        if error.field in form.fields and may_add_runbooks(request.user):
            add_domain_error(form, error)  # a lead naming another team's service: say where
            return None
        _refuse(error)
    except DomainError as error:
        add_domain_error(form, error)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def runbook_create(request):
    if request.method == "GET":
        if not may_add_runbooks(request.user):
            raise Forbidden("only admins and team leads may write runbooks")
        initial = {"alert_names": request.GET.get("alert", "")[:200]}
        return _form_page(request, RunbookForm(initial=initial))
    form = RunbookForm(request.POST)
    if form.is_valid() and (runbook := _save(request, form)) is not None:
        messages.success(request, f"Runbook {runbook.name} written.")
        return redirect("runbook-detail", runbook.slug)
    return _form_page(request, form, status=422)


@login_required
@require_GET
def runbook_detail(request, slug: str):
    runbook = _runbook(slug)
    return render(
        request,
        "runbooks/runbook_detail.html",
        {
            "runbook": runbook,
            "steps": steps_of(runbook.body),
            "rules": [link.rule for link in runbook.rule_links.select_related("rule")],
            "may_edit": may_edit_runbook(request.user, runbook),
            "latest": runbook.versions.order_by("-number").first(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def runbook_edit(request, slug: str):
    runbook = _runbook(slug)
    if request.method == "GET":
        if not may_edit_runbook(request.user, runbook):
            raise Forbidden(
                f"only an admin, or a lead of the team of every service it is linked to, "
                f"may change {runbook.name}"
            )
        return _form_page(
            request, RunbookForm(initial=RunbookForm.initial_for(runbook)), runbook=runbook
        )
    form = RunbookForm(request.POST)
    if form.is_valid() and _save(request, form, runbook=runbook) is not None:
        messages.success(request, f"Runbook {form.cleaned_data['name']} saved.")
        return redirect("runbook-detail", runbook.slug)
    return _form_page(request, form, runbook=runbook, status=422)


@login_required
@require_GET
def runbook_versions(request, slug: str):
    runbook = _runbook(slug)
    versions = [
        {"version": version, "lines": diff_lines(version.diff)}
        for version in runbook.versions.order_by("-number")
    ]
    return render(
        request, "runbooks/runbook_versions.html", {"runbook": runbook, "versions": versions}
    )


@login_required
@require_GET
def alert_catalogue(request):
    integration = request.GET.get("integration") or None
    if integration is not None and not integration.isdigit():
        integration = None
    missing = request.GET.get("missing") == "1"
    entries = summaries(integration=int(integration) if integration else None, missing=missing)
    page = Paginator(entries, CATALOGUE_PAGE).get_page(request.GET.get("page"))
    fill(page.object_list)
    return render(
        request,
        "runbooks/alert_catalogue.html",
        {
            "entries": page.object_list,
            "page": page,
            "total": len(entries),
            "missing": missing,
            "integration": int(integration) if integration else None,
            "integrations": Integration.objects.order_by("name"),
            "may_add": may_add_runbooks(request.user),
        },
    )


def _checklist_form(request, form_class, pk: int):
    """The incident, where to go back to, the valid form's runbook and step (else None: the
    error is in the messages)."""
    incident = get_object_or_404(Incident, pk=pk)
    back = reverse("incident-detail", args=[incident.pk]) + "#runbook"
    form = form_class(request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        messages.error(request, f"{field}: {errors[0]}")
        return incident, back, None, None
    runbook = Runbook.objects.filter(slug=form.cleaned_data["runbook"]).first()
    if runbook is None:
        messages.error(request, f"there is no runbook {form.cleaned_data['runbook']!r}")
    return incident, back, runbook, form.cleaned_data


@login_required
@require_POST
def tick(request, pk: int):
    """A step of the incident's runbook done, from the incident page's checklist."""
    incident, back, runbook, fields = _checklist_form(request, TickForm, pk)
    if runbook is None:
        return redirect(back)
    try:
        tick = services.tick_step(
            incident=incident,
            runbook=runbook,
            step=fields["step"],
            note=fields["note"],
            by=request.user,
            via=Channel.WEB,
        )
    except PermissionDenied as error:
        _refuse(error)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Step {tick.step} done.")
    return redirect(back)


@login_required
@require_POST
def untick(request, pk: int):
    """A step ticked by mistake taken back, from the incident page's checklist."""
    incident, back, runbook, fields = _checklist_form(request, UntickForm, pk)
    if runbook is None:
        return redirect(back)
    try:
        services.untick_step(
            incident=incident,
            runbook=runbook,
            step=fields["step"],
            by=request.user,
            via=Channel.WEB,
        )
    except PermissionDenied as error:
        _refuse(error)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Step {fields['step']} unticked.")
    return redirect(back)
