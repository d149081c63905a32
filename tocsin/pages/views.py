"""The pages that show several domains at once: thin views that read, render, or call one
service and render again.

The profile's forms post here because a refused one shows the profile again with the error in
place; the incident actions post to tocsin.incidents and come back here by redirect.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.accounts import services as accounts
from tocsin.accounts.forms import ApiTokenForm, ContactMethodForm, ProfileForm
from tocsin.accounts.models import Team
from tocsin.accounts.permissions import (
    may_acknowledge,
    may_administer,
    may_manage_incident,
    may_publish_for_incident,
    may_work_incident,
)
from tocsin.alerting.selectors import alerts_of_incident
from tocsin.drills.card import incident_drill_card
from tocsin.errors import DomainError
from tocsin.forms import add_domain_error
from tocsin.hotfixes.card import incident_hot_fix_card
from tocsin.incidents.forms import (
    SETTABLE_STATUSES,
    AssignForm,
    IncidentFilterForm,
    NoteForm,
    ReasonForm,
    ResolveForm,
    RoleForm,
    SeverityForm,
)
from tocsin.incidents.models import OPEN_STATUSES, Incident, Role, Status
from tocsin.incidents.selectors import incidents_matching
from tocsin.incidents.services import TRANSITIONS
from tocsin.incidents.views import ListPageView, incident_or_404, live_context, page_number
from tocsin.oncall.escalation.selectors import nobody_on_call, nobody_on_call_for
from tocsin.oncall.escalation.services import policy_for
from tocsin.oncall.escalation.targets import fallback_explanation, fallback_snapshot
from tocsin.oncall.schedules.selectors import on_call_at
from tocsin.postincident.postmortems.card import postmortem_card
from tocsin.postincident.situation.card import situation_card
from tocsin.runbooks.card import incident_runbook_card
from tocsin.statuspage import forms as statuspage_forms
from tocsin.statuspage import selectors as statuspage
from tocsin.statuspage.models import IncidentStatus as PublicStatus
from tocsin.text import without_bidi_controls
from tocsin.tickets.card import incident_tickets_card

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# The profile: the person's own details and API tokens (accounts), with the links to their
# notification rules (on-call) and to Telegram linking (notify)


def _render_profile(
    request, *, profile_form=None, contact_form=None, token_form=None, new_secret=None, token=None
):
    user = request.user
    context = {
        "profile_form": profile_form
        or ProfileForm(initial={"display_name": user.display_name, "time_zone": user.time_zone}),
        "contact_form": contact_form or ContactMethodForm(auto_id="contact_%s"),
        "token_form": token_form or ApiTokenForm(auto_id="token_%s"),
        "contact_methods": user.contact_methods.order_by("kind", "id"),
        "api_tokens": user.api_tokens.order_by("-created_at", "-id"),
        "memberships": user.memberships.select_related("team").order_by("team__name"),
        "new_secret": new_secret,
        "new_token": token,
    }
    response = render(request, "pages/profile.html", context)
    if new_secret:
        # The secret is on this page only: keep it out of every cache.
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                accounts.update_profile(user=request.user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, "Your profile is saved.")
                return redirect("profile")
        return _render_profile(request, profile_form=form)
    return _render_profile(request)


@login_required
@require_POST
def contact_method_add(request):
    form = ContactMethodForm(request.POST, auto_id="contact_%s")
    if form.is_valid():
        try:
            method = accounts.add_contact_method(user=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Added {method}.")
            return redirect("profile")
    return _render_profile(request, contact_form=form)


@login_required
@require_POST
def contact_method_remove(request, contact_method_id: int):
    try:
        accounts.remove_contact_method(contact_method_id=contact_method_id, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Contact method removed.")
    return redirect("profile")


@never_cache
@login_required
@require_POST
def api_token_create(request):
    form = ApiTokenForm(request.POST, auto_id="token_%s")
    if form.is_valid():
        try:
            token, secret = accounts.create_api_token(user=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            # Rendered, not redirected: the secret is never stored, so this page is its only view.
            return _render_profile(request, new_secret=secret, token=token)
    return _render_profile(request, token_form=form)


@login_required
@require_POST
def api_token_revoke(request, token_id: int):
    try:
        token = accounts.revoke_api_token(token_id=token_id, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Token “{token.name}” is revoked and no longer works.")
    return redirect("profile")


# ---------------------------------------------------------------------------------------------
# Teams: members and services (accounts, incidents' catalog), open incidents, chats (notify)


@login_required
@require_GET
def team_list(request):
    teams = Team.objects.annotate(
        member_count=Count("memberships", distinct=True),
        service_count=Count("services", distinct=True),
        open_count=Count("incidents", filter=Q(incidents__status__in=OPEN_STATUSES), distinct=True),
    ).order_by("name")
    mine = set(request.user.memberships.values_list("team_id", flat=True))
    return render(request, "pages/team_list.html", {"teams": teams, "my_team_ids": mine})


@login_required
@require_GET
def team_detail(request, slug: str):
    team = get_object_or_404(Team, slug=slug)
    memberships = team.memberships.select_related("user").order_by("user__display_name")
    now = timezone.now()
    return render(
        request,
        "pages/team_detail.html",
        {
            "team": team,
            "memberships": memberships,
            "services": team.services.order_by("name"),
            "open_incidents": incidents_matching(team=team.slug, status="open"),
            "warning": nobody_on_call(team, now),
            **_team_paging(team, now),
        },
    )


# ---------------------------------------------------------------------------------------------
# The incident list (incidents), with a warning for each of the person's teams that has nobody
# on call (on-call)

PAGE_SIZE = 25


@login_required
@require_GET
def incident_list(request):
    form = IncidentFilterForm(request.GET)
    filters = form.filters()
    scope = form.scope_for(request.user)
    page = ListPageView(
        incidents_matching(**filters, scope=scope, person=request.user),
        number=page_number(request.GET.get("page")),
        size=PAGE_SIZE,
        cursor=request.GET.get("cursor"),
        search=bool(filters["q"]),
    )
    teams = Team.objects.order_by("name")
    if not may_administer(request.user):
        teams = teams.filter(memberships__user=request.user)
    return render(
        request,
        "incidents/incident_list.html",
        {
            "form": form,
            "page": page,
            "scope": scope,
            "tabs": [("mine", "Mine"), ("teams", "My teams"), ("all", "All")],
            "filtered": any(value is not None for value in filters.values()),
            "warnings": nobody_on_call_for(teams, timezone.now()),
        },
    )


# ---------------------------------------------------------------------------------------------
# The incident page: the incident, its actions and timeline (incidents) and where its paging
# stands (on-call's escalation card)


def _actions(incident: Incident, user) -> dict:
    """The action forms the page offers: those that fit the incident's status, and that
    `user` may take (the services enforce the same answers)."""
    allowed = TRANSITIONS[incident.status]
    works = may_work_incident(incident, user)
    manages = may_manage_incident(incident, user)
    return {
        "acknowledge": incident.is_open
        and incident.acknowledged_by_id is None
        and may_acknowledge(incident, user),
        "assign": incident.is_open and manages,
        "statuses": [(s, Status(s).label) for s in SETTABLE_STATUSES if s in allowed]
        if works
        else [],
        "resolve": Status.RESOLVED in allowed and works,
        "cancel": Status.CANCELLED in allowed and manages,
        "reopen": not incident.is_open and works,
        "severity": incident.is_open and works,
        "roles": incident.is_open and manages,
        "join": incident.is_open and works and not manages and not _responding(incident, user),
        "note": works,
    }


def _responding(incident: Incident, user) -> bool:
    return incident.role_assignments.filter(
        user=user, role=Role.RESPONDER, ended_at__isnull=True
    ).exists()


@login_required
@require_GET
def incident_detail(request, pk: int):
    incident = incident_or_404(pk)
    context = live_context(incident, request.user)
    actions = _actions(incident, request.user)
    context.update(
        actions=actions,
        may_work=may_work_incident(incident, request.user),
        services_list=list(incident.services.all()),
        assign_form=AssignForm(team=incident.team, auto_id="assign_%s"),
        resolve_form=ResolveForm(
            team=incident.team, default=incident.acknowledged_by, auto_id="resolve_%s"
        ),
        cancel_form=ReasonForm(auto_id="cancel_%s"),
        reopen_form=ReasonForm(auto_id="reopen_%s"),
        severity_form=SeverityForm(initial={"severity": incident.severity}, auto_id="sev_%s"),
        role_form=RoleForm(auto_id="role_%s"),
        note_form=NoteForm(auto_id="note_%s"),
        live_url=reverse("incident-live", args=[incident.pk]) if incident.is_open else "",
        incident_alerts=alerts_of_incident(incident),
        status_page=_status_page_card(incident, request.user),
        runbook_card=incident_runbook_card(incident, request.user),
        hot_fix_card=incident_hot_fix_card(incident, request.user),
        tickets_card=incident_tickets_card(incident, request.user),
        drill_card=incident_drill_card(incident, request.user),
        situation_report=situation_card(incident, request.user),
        postmortem_card=postmortem_card(incident, request.user),
    )
    return render(request, "pages/incident_detail.html", context)


# ---------------------------------------------------------------------------------------------
# The incident page's "Status page" card: what the incident was published as (statuspage), the
# proposal for it, and the forms that publish, update and resolve it


def _status_page_card(incident: Incident, user) -> dict:
    """Per page the incident is published on: its public incident, an update form, and the
    resolve prompt once the incident is resolved and the public one is not; for the default
    page, if it is not published there, the publish form with the proposal prefilled."""
    may_publish = may_publish_for_incident(user, incident)
    published = []
    for public_incident in statuspage.public_incidents_of(incident).prefetch_related(
        "components", "updates"
    ):
        components = statuspage.components_of(public_incident.page)
        unresolved = public_incident.status != PublicStatus.RESOLVED
        published.append(
            {
                "public_incident": public_incident,
                "latest": public_incident.updates.order_by("-display_at", "-id").first(),
                "may_update": may_publish and unresolved,
                "update_form": statuspage_forms.UpdateForm(
                    components=components,
                    initial={"status": public_incident.status},
                    auto_id=f"sp_update_{public_incident.code}_%s",
                ),
                "resolve_prompt": unresolved and incident.status == Status.RESOLVED,
                "resolve_form": statuspage_forms.ResolveForm(
                    initial={"body": incident.resolution},
                    auto_id=f"sp_resolve_{public_incident.code}_%s",
                ),
            }
        )
    page = statuspage.default_page()
    publish_form = None
    if page is not None and not any(p["public_incident"].page_id == page.pk for p in published):
        proposal = [(c, s) for c, s in statuspage.proposal_for(incident) if c.page_id == page.pk]
        publish_form = statuspage_forms.PublishForm(
            components=statuspage.components_of(page),
            initial_statuses={component.code: status for component, status in proposal},
            initial={
                # Prefilled from people's text: a bidi control would turn the field around.
                "name": without_bidi_controls(incident.title),
                "body": without_bidi_controls(
                    f"Investigating: {incident.impact_how or incident.title}"
                ),
            },
            auto_id="sp_publish_%s",
        )
    return {
        "page": page,
        "published": published,
        "publish_form": publish_form,
        "proposed": publish_form is not None
        and any(publish_form[publish_form.field_name(c)].initial for c in publish_form.components),
        "may_publish": may_publish,
    }


# ---------------------------------------------------------------------------------------------
# The team page's paging and alerting: who is on call now on each schedule (on-call), the
# escalation policy in use, and the integrations that send the team alerts (alerting)


def _team_paging(team: Team, now) -> dict:
    """Who is on call now per schedule, the policy the engine runs, the team's integrations.

    Integrations are listed by name and kind only: their URLs carry the secret token, which is
    on the integration's page for who may see it.
    """
    policy = policy_for(team)
    return {
        "on_call": [
            {"schedule": schedule, "people": on_call_at(schedule, now)}
            for schedule in team.schedules.order_by("name")
        ],
        "policy": policy,
        "no_policy": None if policy else fallback_explanation(team, fallback_snapshot(team)),
        "integrations": team.integrations.order_by("name"),
    }


# ---------------------------------------------------------------------------------------------
# The 500 page (404 and 403 are Django's own views, drawing 404.html and 403.html)


def server_error(request):
    """500.html inside the layout, with the person's navigation when the request can still draw
    it; when even that fails, the same page without the request (Django's own handler)."""
    try:
        return render(request, "500.html", status=500)
    except Exception:
        logger.exception("the 500 page could not be drawn with the request; drawing it without")
        return defaults.server_error(request)
