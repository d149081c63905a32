"""The team page's chats: leads add and remove their team's Telegram groups and Slack channels."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from tocsin.accounts.models import Team
from tocsin.errors import DomainError

from . import services
from .forms import TeamChatForm


@login_required
@require_POST
def team_chat_add(request, slug: str):
    team = get_object_or_404(Team, slug=slug)
    form = TeamChatForm(request.POST, prefix="chat")
    if not form.is_valid():
        problems = "; ".join(e for errors in form.errors.values() for e in errors)
        messages.error(request, f"The chat was not added: {problems}")
        return redirect("team-detail", slug=team.slug)
    try:
        chat = services.add_team_chat(team=team, by=request.user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, f"The chat was not added: {error.message}")
    else:
        messages.success(request, f"New incidents of {team.name} will be posted to {chat}.")
    return redirect("team-detail", slug=team.slug)


@login_required
@require_POST
def team_chat_remove(request, slug: str, chat_pk: int):
    team = get_object_or_404(Team, slug=slug)
    try:
        chat = services.remove_team_chat(team=team, chat_pk=chat_pk, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Incidents of {team.name} are no longer posted to {chat}.")
    return redirect("team-detail", slug=team.slug)
