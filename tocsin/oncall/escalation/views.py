"""Escalation pages: each team's policies (the oldest runs) and the forms that change them,
who gets paged for a team and severity at an instant, and a person's own notification rules.

Thin like the schedule pages: parse the forms, call one service in `services.py`, render or
redirect. A refusal becomes an error on the row or field it names; the service changed nothing.
"""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tocsin.accounts.models import Team
from tocsin.accounts.permissions import may_manage_team
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error
from tocsin.incidents.models import Severity
from tocsin.validation import whole_number

from . import services as policies
from .forms import LevelFormSet, PolicyForm, RuleFormSet, TargetChoices, level_rows, minutes
from .models import EscalationPolicy
from .selectors import escalation_path
from .targets import rules_of

BLANK_ROWS = 2
LEVELS_PREFIX = "levels"


def _policies(**filters):
    return (
        EscalationPolicy.objects.filter(**filters)
        .select_related("team")
        .prefetch_related("levels__targets__user", "levels__targets__schedule")
        .order_by("created_at", "id")
    )


def _list_url(team: Team) -> str:
    return f"{reverse('policy-list')}?team={team.slug}"


@login_required
@require_GET
def policy_list(request):
    teams = Team.objects.order_by("name")
    chosen = request.GET.get("team")
    if chosen:
        teams = teams.filter(slug=chosen)
    by_team = {team.pk: [] for team in teams}
    for policy in _policies(team__in=teams):
        by_team[policy.team_id].append(policy)
    sections = [
        {
            "team": team,
            # The engine runs the oldest: `_policies` lists them oldest first.
            "policies": by_team[team.pk],
            "manages": may_manage_team(team, request.user),
        }
        for team in teams
    ]
    return render(
        request,
        "oncall/policy_list.html",
        {"sections": sections, "chosen": chosen, "all_teams": Team.objects.order_by("name")},
    )


def _formset(team, policy, *, data=None, rows=None, blank=BLANK_ROWS):
    """Bound to `data`, or the policy's levels (or `rows`) followed by `blank` empty rows."""
    choices = TargetChoices(team, policy)
    if data is not None:
        return LevelFormSet(data, prefix=LEVELS_PREFIX, form_kwargs={"target_choices": choices})
    rows = level_rows(policy) if rows is None else rows
    rows = (rows + [{}] * blank)[: policies.MAX_LEVELS]
    return LevelFormSet(initial=rows, prefix=LEVELS_PREFIX, form_kwargs={"target_choices": choices})


def _with_another_row(request, team, policy):
    """The form as typed plus one empty level row; nothing is checked or saved yet."""
    data = request.POST
    try:
        count = min(int(data.get(f"{LEVELS_PREFIX}-TOTAL_FORMS", 0)), policies.MAX_LEVELS)
    except ValueError:
        count = 0
    rows = [
        {
            "targets": data.getlist(f"{LEVELS_PREFIX}-{index}-targets"),
            "delay_minutes": data.get(f"{LEVELS_PREFIX}-{index}-delay_minutes", ""),
        }
        for index in range(count)
    ]
    form = PolicyForm(initial={name: data.get(name, "") for name in PolicyForm.base_fields})
    return form, _formset(team, policy, rows=rows, blank=1)


def _levels(formset) -> tuple[list, list[int]]:
    """The levels the rows ask for, and for each the index of its row (to show refusals)."""
    levels, rows = [], []
    for index, row in enumerate(formset.forms):
        level = row.level()
        if level is not None:
            levels.append(level)
            rows.append(index)
    return levels, rows


def _refused_row(error: DomainError, prefix: str, formset, rows: list[int]):
    """The form row a refusal naming `<prefix>.<n>…` is about (None: not a row's), and the last
    part of the field it names."""
    parts = (error.field or "").split(".")
    number = whole_number(parts[1]) if parts[0] == prefix and len(parts) > 1 else None
    if number is None or number >= len(rows):
        return None, ""
    return formset.forms[rows[number]], parts[-1]


def _show_refusal(form, formset, rows: list[int], error: DomainError) -> None:
    """A refusal naming `levels.<n>…` goes on that level's row, anything else on the form."""
    row, part = _refused_row(error, "levels", formset, rows)
    if row is None:
        add_domain_error(form, error)
    else:
        row.add_error("delay_minutes" if part == "delay" else "targets", error.message)


def _policy_page(request, team, form, formset, policy=None, status=200):
    return render(
        request,
        "oncall/policy_form.html",
        {
            "team": team,
            "policy": policy,
            "form": form,
            "formset": formset,
            "in_use": policies.policy_for(team),
            "max_levels": policies.MAX_LEVELS,
        },
        status=status,
    )


def _save(request, team, policy=None):
    """Handle a POST of the policy form: save, or the page again with the reasons."""
    if "more" in request.POST:
        form, formset = _with_another_row(request, team, policy)
        return _policy_page(request, team, form, formset, policy)
    form = PolicyForm(request.POST)
    formset = _formset(team, policy, data=request.POST)
    if form.is_valid() and formset.is_valid():
        levels, rows = _levels(formset)
        fields = {**form.cleaned_data, "levels": levels, "by": request.user}
        try:
            if policy is None:
                saved = policies.create_policy(team=team, **fields)
            else:
                saved = policies.update_policy(policy=policy, **fields)
        except PermissionDenied as error:
            messages.error(request, error.message)
            return redirect(_list_url(team))
        except DomainError as error:
            _show_refusal(form, formset, rows, error)
        else:
            if policy is None:
                messages.success(request, f"Escalation policy {saved.name} created.")
            else:
                messages.success(
                    request,
                    f"Escalation policy {saved.name} saved. Escalations already running keep "
                    "the version they started with.",
                )
            return redirect(f"{_list_url(team)}#policy-{saved.pk}")
    return _policy_page(request, team, form, formset, policy, status=422)


def _refuse(request, team: Team):
    messages.error(
        request, f"Only an admin or a lead of {team.name} may change its escalation policies."
    )
    return redirect(_list_url(team))


@login_required
@require_http_methods(["GET", "POST"])
def policy_create(request, team: str):
    team = get_object_or_404(Team, slug=team)
    if not may_manage_team(team, request.user):
        return _refuse(request, team)
    if request.method == "POST":
        return _save(request, team)
    first = not team.escalation_policies.exists()
    form = PolicyForm(initial={"name": f"{team.name} default" if first else "", "repeat": 0})
    return _policy_page(request, team, form, _formset(team, None, blank=3))


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request, pk: int):
    policy = get_object_or_404(EscalationPolicy.objects.select_related("team"), pk=pk)
    team = policy.team
    if not may_manage_team(team, request.user):
        return _refuse(request, team)
    if request.method == "POST":
        return _save(request, team, policy)
    form = PolicyForm(
        initial={"name": policy.name, "description": policy.description, "repeat": policy.repeat}
    )
    return _policy_page(request, team, form, _formset(team, policy), policy)


@login_required
@require_http_methods(["GET", "POST"])
def policy_delete(request, pk: int):
    policy = get_object_or_404(EscalationPolicy.objects.select_related("team"), pk=pk)
    team = policy.team
    if not may_manage_team(team, request.user):
        return _refuse(request, team)
    if request.method == "POST":
        try:
            policies.delete_policy(policy=policy, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            now_in_use = policies.policy_for(team)
            messages.success(
                request,
                f"Escalation policy {policy.name} deleted. "
                + (
                    f"Incidents of {team.name} now run {now_in_use.name}."
                    if now_in_use
                    else f"{team.name} has no escalation policy left: its paging incidents page "
                    "its leads (else every member) and e-mail its list."
                ),
            )
        return redirect(_list_url(team))
    others = list(_policies(team=team).exclude(pk=policy.pk))
    return render(
        request,
        "oncall/policy_delete.html",
        {
            "policy": policy,
            "team": team,
            "in_use": policies.policy_for(team),
            "next_in_use": others[0] if others else None,
        },
    )


# ---------------------------------------------------------------------------------------------
# Who gets paged


def _instant(value: str) -> tuple[datetime, str]:
    """The instant asked for (naive means UTC), or now with a message saying why."""
    if not value:
        return timezone.now(), ""
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return (
            timezone.now(),
            f"'{value}' is not a date and time such as 2026-03-02T10:00; showing now",
        )
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant, timezone.get_current_timezone())
    return instant, ""


@login_required
@require_GET
def who_gets_paged(request):
    teams = list(Team.objects.order_by("name"))
    severities = list(Severity.objects.order_by("rank"))
    team = next((t for t in teams if t.slug == request.GET.get("team")), None)
    if team is None:
        mine = request.user.memberships.values_list("team_id", flat=True).first()
        team = next((t for t in teams if t.pk == mine), teams[0] if teams else None)
    severity = next((s for s in severities if s.key == request.GET.get("severity")), None)
    severity = severity or (severities[0] if severities else None)
    instant, problem = _instant(request.GET.get("at", "").strip())
    path = escalation_path(team, severity, instant) if team and severity else None
    return render(
        request,
        "oncall/who_gets_paged.html",
        {
            "teams": teams,
            "severities": severities,
            "team": team,
            "severity": severity,
            "instant": instant,
            "at_value": request.GET.get("at", ""),
            "problem": problem,
            "path": path,
        },
        status=200,
    )


# ---------------------------------------------------------------------------------------------
# My notification rules: how Tocsin reaches me when a level pages me, method by method


RULES_PREFIX = "rules"
BLANK_ROWS = 2


def _rules_page(request, formset, status=200):
    user = request.user
    methods = user.contact_methods.order_by("kind", "id")
    return render(
        request,
        "oncall/notification_rules.html",
        {
            "formset": formset,
            "has_methods": methods.exists(),
            "has_rules": user.notification_rules.exists(),
            "effective": rules_of(user),
        },
        status=status,
    )


def _show_rule_refusal(request, formset, rows: list[int], error: DomainError) -> None:
    row, part = _refused_row(error, "rules", formset, rows)
    if row is None:
        messages.error(request, error.message)
    else:
        row.add_error("delay_minutes" if part == "delay" else "contact_method", error.message)


@login_required
@require_http_methods(["GET", "POST"])
def notification_rules(request):
    user = request.user
    methods = user.contact_methods.order_by("kind", "id")
    kwargs = {"prefix": RULES_PREFIX, "form_kwargs": {"methods": methods}}
    if request.method == "POST":
        formset = RuleFormSet(request.POST, **kwargs)
        if formset.is_valid():
            rows = [index for index, row in enumerate(formset.forms) if row.rule() is not None]
            try:
                policies.set_notification_rules(
                    user=user, by=user, rules=[formset.forms[index].rule() for index in rows]
                )
            except DomainError as error:
                _show_rule_refusal(request, formset, rows, error)
            else:
                if rows:
                    messages.success(request, "Your notification rules are saved.")
                else:
                    messages.success(
                        request,
                        "You have no notification rules now: a page goes to your first e-mail "
                        "address, at once.",
                    )
                return redirect("notification-rules")
        return _rules_page(request, formset, status=422)
    rows = [
        {"contact_method": rule.contact_method_id, "delay_minutes": minutes(rule.delay)}
        for rule in policies.notification_rules(user=user, by=user)
    ]
    rows = (rows + [{}] * max(BLANK_ROWS, 3 - len(rows)))[: policies.MAX_RULES]
    return _rules_page(request, RuleFormSet(initial=rows, **kwargs))
