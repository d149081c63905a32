"""`{% team_chats team %}`: the team page's chats card, with the lead's form to change them."""

from django import template

from tocsin.accounts.permissions import may_manage_team
from tocsin.notify.team_chats.forms import TeamChatForm

register = template.Library()


@register.inclusion_tag("notify/_team_chats.html", takes_context=True)
def team_chats(context, team):
    user = context["request"].user
    manages = may_manage_team(team, user)
    return {
        "team": team,
        "chats": team.chats.order_by("kind", "name", "id"),
        "manages": manages,
        "form": TeamChatForm(prefix="chat") if manages else None,
        "csrf_token": context.get("csrf_token"),
    }
