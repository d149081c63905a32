"""Integrations: the list, creating one, and its page with the URL, snippets and settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.accounts.permissions import (
    may_administer,
    may_manage_team,
    may_see_secrets,
    teams_managed_by,
)
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error

from .. import selectors, services
from ..forms import IntegrationCreateForm, IntegrationSettingsForm, RotateTokenForm
from ..models import Integration, Kind
from ..snippets import snippets_for
from ..test_alerts import send_test_alert

RECENT_ALERTS = 10
DOC_PAGES = {Kind.HEARTBEAT: "heartbeats"}


@login_required
@require_GET
def integration_list(request):
    integrations = selectors.integrations_with_counts().order_by("team__name", "name")
    return render(
        request,
        "alerting/integration_list.html",
        {
            "integrations": integrations,
            "may_create": may_administer(request.user) or teams_managed_by(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def integration_create(request):
    if request.method == "POST":
        form = IntegrationCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                integration = services.create_integration(
                    kind=data["kind"],
                    name=data["name"],
                    team=data["team"],
                    by=request.user,
                    service=data["service"],
                    severity=data["severity"],
                    signing_secret=data["signing_secret"],
                    signature_header=data["signature_header"],
                    heartbeat_interval=data["heartbeat_interval"],
                    heartbeat_grace=data["heartbeat_grace"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    f"Integration {integration.name} created. Paste the configuration below "
                    "into the sending tool.",
                )
                return redirect("integration-detail", pk=integration.pk)
    else:
        # Preselect one of the person's own teams that they manage (an admin's too).
        own = teams_managed_by(request.user).filter(memberships__user=request.user)
        form = IntegrationCreateForm(
            initial={"kind": request.GET.get("kind", Kind.ALERTMANAGER), "team": own.first()}
        )
    return render(request, "alerting/integration_create.html", {"form": form})


def _integration(pk: int) -> Integration:
    return get_object_or_404(
        Integration.objects.select_related("team", "service", "severity"), pk=pk
    )


def _integration_page(request, integration: Integration, *, settings_form=None, rotate_form=None):
    manages = may_see_secrets(integration.team, request.user)
    alerts = selectors.alerts_matching(integration=integration.pk)
    context = {
        "integration": integration,
        "manages": manages,
        "may_test": may_manage_team(integration.team, request.user),
        "url": selectors.intake_url(integration, masked=not manages),
        "events_url": selectors.events_api_url(),
        "key": integration.token if manages else selectors.MASK,
        "snippets": snippets_for(integration, masked=not manages),
        "recent_alerts": alerts[:RECENT_ALERTS],
        "alert_count": alerts.count(),
        "heartbeat": (
            selectors.heartbeat_status(integration) if integration.kind == Kind.HEARTBEAT else None
        ),
        "settings_form": settings_form
        or IntegrationSettingsForm(integration=integration, auto_id="settings_%s"),
        "rotate_form": rotate_form or RotateTokenForm(auto_id="rotate_%s"),
        "doc_page": f"integrations/{DOC_PAGES.get(integration.kind, integration.kind)}.md",
        # These senders cannot sign: with a secret set, every request they make is refused.
        "cannot_sign": bool(integration.signing_secret)
        and integration.kind in (Kind.ALERTMANAGER, Kind.DATADOG),
    }
    status = 200
    if (settings_form and settings_form.errors) or (rotate_form and rotate_form.errors):
        status = 422
    return render(request, "alerting/integration_detail.html", context, status=status)


@login_required
@require_GET
def integration_detail(request, pk: int):
    return _integration_page(request, _integration(pk))


@login_required
@require_POST
def integration_update(request, pk: int):
    integration = _integration(pk)
    form = IntegrationSettingsForm(request.POST, integration=integration, auto_id="settings_%s")
    if form.is_valid():
        try:
            services.update_integration(integration=integration, by=request.user, **form.changes())
        except PermissionDenied as error:
            if error.field not in form.fields:
                messages.error(request, error.message)
                return redirect("integration-detail", pk=integration.pk)
            add_domain_error(form, error)  # a value they may not choose, e.g. the service
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Settings of {integration.name} saved.")
            return redirect("integration-detail", pk=integration.pk)
    messages.error(request, "The settings were not saved; see below.")
    return _integration_page(request, _integration(pk), settings_form=form)


@login_required
@require_POST
def integration_rotate(request, pk: int):
    integration = _integration(pk)
    form = RotateTokenForm(request.POST, auto_id="rotate_%s")
    if not form.is_valid():
        messages.error(request, "The token was not rotated: tick the box to confirm.")
        return _integration_page(request, integration, rotate_form=form)
    try:
        services.rotate_token(integration=integration, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"{integration.name} has a new URL; the old one no longer works. "
            "Update the sending tool now.",
        )
    return redirect("integration-detail", pk=integration.pk)


@login_required
@require_POST
def integration_test_alert(request, pk: int):
    integration = _integration(pk)
    try:
        outcome = send_test_alert(integration=integration, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("integration-detail", pk=integration.pk)
    # The pipeline's last word says what happened: opened, still part of, reopened, suppressed.
    messages.success(request, f"Test alert sent: {outcome.decisions[-1]}.")
    return redirect("alert-detail", pk=outcome.alert.pk)
