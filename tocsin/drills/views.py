"""The drill pages: a team's scenarios and drill history, the scenario form, starting,
scheduling and cancelling a drill, and each drill's report. Thin: parse, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.accounts.models import Team
from tocsin.accounts.permissions import may_manage_drills, may_see_drills
from tocsin.errors import DomainError, PermissionDenied
from tocsin.forms import add_domain_error
from tocsin.incidents.models import Channel

from . import services
from .forms import ScenarioForm, ScheduleForm
from .models import DrillRun, Scenario
from .report import report_of


def _team(slug: str, user) -> Team:
    team = get_object_or_404(Team, slug=slug)
    if not may_see_drills(team, user):
        raise Forbidden(f"only members of {team.name} and admins may see its drills")
    return team


def _refuse_unless_manager(team: Team, user) -> None:
    if not may_manage_drills(team, user):
        raise Forbidden(f"only an admin or a lead of {team.name} may run its drills")


def _scenario(pk: int, user) -> Scenario:
    scenario = get_object_or_404(Scenario.objects.select_related("team"), pk=pk)
    _team(scenario.team.slug, user)
    return scenario


@login_required
@require_GET
def drill_list(request, slug: str):
    team = _team(slug, request.user)
    scenarios = Scenario.objects.filter(team=team).select_related(
        "severity", "service", "integration"
    )
    runs = DrillRun.objects.filter(team=team).select_related(
        "incident", "started_by", "cancelled_by"
    )
    return render(
        request,
        "drills/drill_list.html",
        {
            "team": team,
            "scenarios": scenarios,
            "runs": runs[:100],
            "may_manage": may_manage_drills(team, request.user),
            "schedule_form": ScheduleForm(),
        },
    )


def _form_page(request, form, *, team, scenario=None, status=200):
    return render(
        request,
        "drills/scenario_form.html",
        {"form": form, "team": team, "scenario": scenario},
        status=status,
    )


def _save(request, form, *, team, scenario=None):
    """The service's answer to a valid form: the scenario, or None with the error on the form."""
    fields = form.cleaned_data
    try:
        if scenario is None:
            return services.create_scenario(team=team, by=request.user, **fields)
        return services.update_scenario(scenario=scenario, by=request.user, **fields)
    except PermissionDenied as error:
        raise Forbidden(error.message) from error
    except DomainError as error:
        add_domain_error(form, error)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def scenario_create(request, slug: str):
    team = _team(slug, request.user)
    _refuse_unless_manager(team, request.user)
    if request.method == "GET":
        return _form_page(request, ScenarioForm(team=team), team=team)
    form = ScenarioForm(request.POST, team=team)
    if form.is_valid() and (scenario := _save(request, form, team=team)) is not None:
        messages.success(request, f"Scenario {scenario.title} saved.")
        return redirect("drill-list", team.slug)
    return _form_page(request, form, team=team, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def scenario_edit(request, pk: int):
    scenario = _scenario(pk, request.user)
    team = scenario.team
    _refuse_unless_manager(team, request.user)
    if request.method == "GET":
        form = ScenarioForm(initial=ScenarioForm.initial_for(scenario), team=team)
        return _form_page(request, form, team=team, scenario=scenario)
    form = ScenarioForm(request.POST, team=team)
    if form.is_valid() and _save(request, form, team=team, scenario=scenario) is not None:
        messages.success(request, f"Scenario {scenario.title} saved.")
        return redirect("drill-list", team.slug)
    return _form_page(request, form, team=team, scenario=scenario, status=422)


@login_required
@require_POST
def scenario_delete(request, pk: int):
    scenario = _scenario(pk, request.user)
    title, team = scenario.title, scenario.team
    _refuse_unless_manager(team, request.user)
    back = redirect("drill-list", team.slug)
    try:
        services.delete_scenario(scenario=scenario, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Scenario {title} deleted; its drills stay in the history.")
    return back


@login_required
@require_POST
def scenario_start(request, pk: int):
    scenario = _scenario(pk, request.user)
    _refuse_unless_manager(scenario.team, request.user)
    try:
        run = services.start_drill(scenario=scenario, by=request.user, via=Channel.WEB)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("drill-list", scenario.team.slug)
    messages.success(request, f"Drill started: {run.incident.reference} is paging as a drill.")
    return redirect("drill-run", run.pk)


@login_required
@require_POST
def scenario_schedule(request, pk: int):
    scenario = _scenario(pk, request.user)
    _refuse_unless_manager(scenario.team, request.user)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        messages.error(request, f"{form.fields[field].label}: {errors[0]}")
        return redirect("drill-list", scenario.team.slug)
    try:
        run = services.schedule_drill(
            scenario=scenario, by=request.user, at=form.cleaned_data["scheduled_for"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Drill #{run.pk} of {scenario.title} scheduled.")
    return redirect("drill-list", scenario.team.slug)


def _run(pk: int, user) -> DrillRun:
    run = get_object_or_404(
        DrillRun.objects.select_related("team", "incident", "started_by", "cancelled_by"), pk=pk
    )
    _team(run.team.slug, user)
    return run


@login_required
@require_GET
def run_detail(request, pk: int):
    run = _run(pk, request.user)
    return render(
        request,
        "drills/run_detail.html",
        {
            "run": run,
            "team": run.team,
            "report": report_of(run),
            "may_manage": may_manage_drills(run.team, request.user),
        },
    )


@login_required
@require_POST
def run_cancel(request, pk: int):
    run = _run(pk, request.user)
    _refuse_unless_manager(run.team, request.user)
    try:
        services.cancel_drill(run=run, by=request.user, via=Channel.WEB)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Drill #{run.pk} cancelled.")
    return redirect("drill-run", run.pk)
