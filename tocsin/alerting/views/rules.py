"""Routing rules in their order, editing and moving them, and the severity mapping."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.accounts.permissions import may_administer, may_write_routing_rules
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error

from .. import selectors, services
from ..forms import MoveRuleForm, RuleForm, SeverityMappingForm
from ..models import Kind, RoutingRule
from ..routing import describe
from ..rule_runbooks import runbook_of, runbooks_of


def _rules_page(request, *, form=None, mapping_form=None, status=200):
    rules = list(selectors.rules_in_order())
    runbooks = runbooks_of(rules)
    for rule in rules:
        rule.described = describe(rule.matchers)
        rule.runbook = runbooks.get(rule.pk)
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
            "may_write": may_write_routing_rules(user),
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
            if error.field not in form.fields:
                messages.error(request, error.message)
                return redirect("rule-list")
            add_domain_error(form, error)  # a value they may not choose: a team, a service
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
        linked = runbook_of(rule)
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
                "runbook": linked.slug if linked else "",
                "runbook_url": rule.runbook_url,
                "grouping_key": rule.grouping_key,
                "suppress": rule.suppress,
                "enabled": rule.enabled,
            },
        )
    status = 422 if form.errors else 200
    return render(
        request,
        "alerting/rule_edit.html",
        {"rule": rule, "form": form, "runbook": runbook_of(rule)},
        status=status,
    )


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
