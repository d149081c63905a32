"""Situation report pages: regenerate, the Markdown, and the stakeholder lists of a team and of
an incident. Thin: parse a form, call one service, redirect or show the refusal (422)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.accounts.models import Team
from tocsin.accounts.permissions import may_manage_team, may_regenerate_situation_report
from tocsin.errors import DomainError
from tocsin.forms import add_domain_error
from tocsin.incidents.models import Channel, Incident

from . import services
from .forms import StakeholderForm
from .models import SituationReport, Stakeholder


@login_required
@require_POST
def regenerate(request, pk: int):
    incident = get_object_or_404(Incident, pk=pk)
    try:
        report = services.regenerate(incident=incident, by=request.user, via=Channel.WEB)
    except DomainError as error:
        messages.error(request, f"The situation report was not regenerated: {error.message}")
    else:
        messages.success(
            request, f"Situation report regenerated (version {report.generation}) and sent."
        )
    return redirect(reverse("incident-detail", args=[incident.pk]) + "#situation-report")


@login_required
@require_GET
def report_markdown(request, pk: int):
    report = SituationReport.objects.filter(incident_id=pk).select_related("incident").first()
    if report is None:
        raise Http404("this incident has no situation report yet")
    response = HttpResponse(report.markdown, content_type="text/markdown; charset=utf-8")
    name = f"{report.incident.reference}-situation-report.md"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _add(request, form, add) -> bool:
    """Run `add(person, email)` from a valid form; on a refusal, put it on the form."""
    if not form.is_valid():
        return False
    try:
        add(form.cleaned_data["person"], form.cleaned_data["email"])
    except DomainError as error:
        add_domain_error(form, error)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def incident_stakeholders(request, pk: int):
    incident = get_object_or_404(Incident.objects.select_related("team"), pk=pk)
    form = StakeholderForm(request.POST or None)
    if request.method == "POST":

        def add(person, email):
            services.add_incident_stakeholder(
                incident=incident, by=request.user, via=Channel.WEB, user=person, email=email
            )

        if _add(request, form, add):
            messages.success(request, f"Added to the stakeholders of {incident.reference}.")
            return redirect("situation-incident-stakeholders", pk=incident.pk)
    context = {
        "heading": f"Stakeholders of {incident.reference}",
        "intro": f"They get the situation report of {incident.reference}, with the "
        f"stakeholders of {incident.team.name}.",
        "back": (reverse("incident-detail", args=[incident.pk]), f"Back to {incident.reference}"),
        "stakeholders": Stakeholder.objects.filter(incident=incident).select_related("user"),
        "may_change": may_regenerate_situation_report(incident, request.user),
        "form": form,
    }
    return render(
        request, "situation/stakeholders.html", context, status=422 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_stakeholders(request, slug: str):
    team = get_object_or_404(Team, slug=slug)
    form = StakeholderForm(request.POST or None)
    if request.method == "POST":

        def add(person, email):
            services.add_team_stakeholder(team=team, by=request.user, user=person, email=email)

        if _add(request, form, add):
            messages.success(request, f"Added to the stakeholders of {team.name}.")
            return redirect("situation-team-stakeholders", slug=team.slug)
    context = {
        "heading": f"Stakeholders of {team.name}",
        "intro": f"They get the situation report of every incident of {team.name}.",
        "back": (reverse("team-detail", args=[team.slug]), f"Back to {team.name}"),
        "stakeholders": Stakeholder.objects.filter(team=team).select_related("user"),
        "may_change": may_manage_team(team, request.user),
        "form": form,
    }
    return render(
        request, "situation/stakeholders.html", context, status=422 if form.errors else 200
    )


@login_required
@require_POST
def stakeholder_remove(request, stakeholder_pk: int):
    stakeholder = get_object_or_404(
        Stakeholder.objects.select_related("team", "incident", "user"), pk=stakeholder_pk
    )
    name = str(stakeholder)
    team, incident = stakeholder.team, stakeholder.incident
    try:
        services.remove_stakeholder(stakeholder=stakeholder, by=request.user, via=Channel.WEB)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{name} will no longer get situation reports from here.")
    if team is not None:
        return redirect("situation-team-stakeholders", slug=team.slug)
    return redirect("situation-incident-stakeholders", pk=incident.pk)
