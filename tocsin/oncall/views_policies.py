"""Escalation policy pages: each team's policies (the oldest runs), and the forms that change them.

Thin like the schedule pages: parse the forms, call one service in `policies.py`, render or
redirect. A refusal becomes an error on the row or field it names; the service changed nothing.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from tocsin.accounts.models import Team
from tocsin.accounts.permissions import may_manage_team
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error

from . import policies
from .escalation_models import EscalationPolicy
from .forms_escalation import LevelFormSet, PolicyForm, TargetChoices, level_rows

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


def _show_refusal(form, formset, rows: list[int], error: DomainError) -> None:
    """A refusal naming `levels.<n>…` goes on that level's row, anything else on the form."""
    parts = (error.field or "").split(".")
    if parts[0] == "levels" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(rows):
        row = formset.forms[rows[int(parts[1])]]
        row.add_error("delay_minutes" if parts[-1] == "delay" else "targets", error.message)
    else:
        add_domain_error(form, error)


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
                    else f"{team.name} has no escalation policy left: its incidents page nobody."
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
