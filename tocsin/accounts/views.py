"""Profile and team pages: thin views over accounts.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.errors import DomainError
from tocsin.forms import add_domain_error

# The team page lists the team's open incidents: pages sit above the domains they show.
from tocsin.incidents.models import OPEN_STATUSES
from tocsin.incidents.selectors import incidents_matching

from . import services
from .forms import ApiTokenForm, ContactMethodForm, ProfileForm
from .models import Team


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
    response = render(request, "accounts/profile.html", context)
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
                services.update_profile(user=request.user, **form.cleaned_data)
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
            method = services.add_contact_method(user=request.user, **form.cleaned_data)
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
        services.remove_contact_method(contact_method_id=contact_method_id, user=request.user)
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
            token, secret = services.create_api_token(user=request.user, **form.cleaned_data)
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
        token = services.revoke_api_token(token_id=token_id, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Token “{token.name}” is revoked and no longer works.")
    return redirect("profile")


@login_required
@require_GET
def team_list(request):
    teams = Team.objects.annotate(
        member_count=Count("memberships", distinct=True),
        service_count=Count("services", distinct=True),
        open_count=Count("incidents", filter=Q(incidents__status__in=OPEN_STATUSES), distinct=True),
    ).order_by("name")
    mine = set(request.user.memberships.values_list("team_id", flat=True))
    return render(request, "accounts/team_list.html", {"teams": teams, "my_team_ids": mine})


@login_required
@require_GET
def team_detail(request, slug: str):
    team = get_object_or_404(Team, slug=slug)
    memberships = team.memberships.select_related("user").order_by("user__display_name")
    return render(
        request,
        "accounts/team_detail.html",
        {
            "team": team,
            "memberships": memberships,
            "services": team.services.order_by("name"),
            "open_incidents": incidents_matching(team=team.slug, status="open"),
        },
    )
