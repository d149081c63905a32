"""Alerting pages: integrations, alerts and why they went where, routing rules, maintenance.

Thin like the incident pages: parse a form, call one service in `services.py`, render or
redirect. A DomainError becomes a form error or an error message; the service changed nothing.
"""

import json
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.accounts.permissions import (
    is_read_only,
    may_administer,
    may_manage_routing_rules,
    may_see_secrets,
    teams_managed_by,
)
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error

from . import selectors, services
from .forms import (
    AlertFilterForm,
    IntegrationCreateForm,
    IntegrationSettingsForm,
    MaintenanceForm,
    MoveRuleForm,
    RotateTokenForm,
    RuleForm,
    SeverityMappingForm,
)
from .models import Integration, Kind, MaintenanceWindow, RoutingRule
from .routing import describe
from .snippets import snippets_for

PAGE_SIZE = 50
RECENT_ALERTS = 10
DOC_PAGES = {Kind.HEARTBEAT: "heartbeats"}


def _safe_href(url: str) -> str:
    """Links in alerts come from the sender: only http(s) ones become links."""
    try:
        scheme = urlsplit(url or "").scheme.lower()
    except ValueError:
        return ""
    return url if scheme in ("http", "https") else ""


# ---------------------------------------------------------------------------------------------
# Integrations


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
        "doc_page": f"docs/integrations/{DOC_PAGES.get(integration.kind, integration.kind)}.md",
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
            messages.error(request, error.message)
            return redirect("integration-detail", pk=integration.pk)
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


# ---------------------------------------------------------------------------------------------
# Alerts


@login_required
@require_GET
def alert_list(request):
    form = AlertFilterForm(request.GET)
    filters = form.filters()
    alerts = selectors.alerts_matching(**filters)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "alerting/alert_list.html",
        {
            "form": form,
            "page": page,
            "filtered": any(value is not None for value in filters.values()),
        },
    )


def _pretty(payload) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=False)


@login_required
@require_GET
def alert_detail(request, pk: int):
    alert = selectors.alert_with_events(pk)
    if alert is None:
        raise Http404(f"no alert #{pk}")
    events = [
        {"event": event, "payload": _pretty(event.payload)}
        for event in sorted(alert.events.all(), key=lambda e: (e.received_at, e.pk), reverse=True)
    ]
    links = [
        {"href": _safe_href(link.get("href", "")), "text": link.get("text") or link.get("href")}
        for link in alert.links
        if isinstance(link, dict)
    ]
    return render(
        request,
        "alerting/alert_detail.html",
        {
            "alert": alert,
            "events": events,
            "links": links,
            "runbook_href": _safe_href(alert.runbook_url),
            "rule_matchers": describe(alert.rule.matchers) if alert.rule else "",
            # Lists, not dicts: a label called "items" must not hide the dict's .items.
            "labels": sorted(alert.labels.items()),
            "annotations": sorted(alert.annotations.items()),
            "payload": _pretty(alert.payload),
        },
    )


# ---------------------------------------------------------------------------------------------
# Routing rules and the severity mapping


def _rules_page(request, *, form=None, mapping_form=None, status=200):
    rules = list(selectors.rules_in_order())
    for rule in rules:
        rule.described = describe(rule.matchers)
        rule.runbook_href = _safe_href(rule.runbook_url)
    user = request.user
    return render(
        request,
        "alerting/rule_list.html",
        {
            "rules": rules,
            "form": form or RuleForm(auto_id="rule_%s"),
            "mapping_form": mapping_form or SeverityMappingForm(auto_id="mapping_%s"),
            "mappings": [
                (Kind(kind).label, kind, rows)
                for kind, rows in selectors.severity_mappings().items()
            ],
            # Rules for no team are for admins; a lead adds rules for a team they manage.
            "may_write": may_manage_routing_rules(None, user) or teams_managed_by(user).exists(),
            "is_admin": may_administer(user),
        },
        status=status,
    )


@login_required
@require_GET
def rule_list(request):
    return _rules_page(request)


def _save_rule(request, form, rule=None):
    """Create or change a rule from a valid form; the DomainError is left to the caller."""
    fields = form.rule_fields()
    if rule is None:
        return services.create_rule(by=request.user, **fields)
    return services.update_rule(rule=rule, by=request.user, **fields)


@login_required
@require_POST
def rule_create(request):
    form = RuleForm(request.POST, auto_id="rule_%s")
    if form.is_valid():
        try:
            rule = _save_rule(request, form)
        except PermissionDenied as error:
            messages.error(request, error.message)
            return redirect("rule-list")
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Rule {rule} added.")
            return redirect(f"{reverse('rule-list')}#rule-{rule.pk}")
    return _rules_page(request, form=form, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk: int):
    rule = get_object_or_404(RoutingRule, pk=pk)
    if request.method == "POST":
        form = RuleForm(request.POST, auto_id="rule_%s")
        if form.is_valid():
            try:
                rule = _save_rule(request, form, rule)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Rule {rule} saved.")
                return redirect(f"{reverse('rule-list')}#rule-{rule.pk}")
    else:
        form = RuleForm(
            auto_id="rule_%s",
            initial={
                "name": rule.name,
                "position": rule.position,
                "matchers": rule.matchers,
                "integration": rule.integration_id,
                "team": rule.team_id,
                "service": rule.service_id,
                "severity": rule.severity_id,
                "runbook_url": rule.runbook_url,
                "grouping_key": rule.grouping_key,
                "suppress": rule.suppress,
                "enabled": rule.enabled,
            },
        )
    status = 422 if form.errors else 200
    return render(request, "alerting/rule_edit.html", {"rule": rule, "form": form}, status=status)


def _rule_action(request, pk: int, action) -> object:
    rule = get_object_or_404(RoutingRule.objects.select_related("team"), pk=pk)
    try:
        message = action(rule)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, message)
    return redirect(f"{reverse('rule-list')}#rules")


@login_required
@require_POST
def rule_delete(request, pk: int):
    def delete(rule):
        name = str(rule)
        services.delete_rule(rule=rule, by=request.user)
        return f"Rule {name} deleted."

    return _rule_action(request, pk, delete)


@login_required
@require_POST
def rule_move(request, pk: int):
    def move(rule):
        form = MoveRuleForm(request.POST)
        direction = form.cleaned_data["direction"] if form.is_valid() else ""
        rule = services.move_rule(rule=rule, by=request.user, direction=direction)
        return f"Rule {rule.name} moved {direction} (now #{rule.position})."

    return _rule_action(request, pk, move)


@login_required
@require_POST
def severity_mapping_set(request):
    form = SeverityMappingForm(request.POST, auto_id="mapping_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            mapping = services.set_severity_mapping(
                kind=data["kind"], value=data["value"], severity=data["severity"], by=request.user
            )
        except PermissionDenied as error:
            messages.error(request, error.message)
            return redirect(f"{reverse('rule-list')}#severity-mapping")
        except DomainError as error:
            add_domain_error(form, error)
        else:
            kind = Kind(data["kind"]).label
            word = data["value"].strip().lower()
            if mapping is None:
                messages.success(request, f"{kind}: {word!r} is no longer mapped.")
            else:
                messages.success(request, f"{kind}: {word!r} now means {mapping.severity}.")
            return redirect(f"{reverse('rule-list')}#severity-mapping")
    return _rules_page(request, mapping_form=form, status=422)


# ---------------------------------------------------------------------------------------------
# Maintenance windows


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
