"""The team page's section of open action items (tocsin/postincident/actions/)."""

from django import template

from tocsin.postincident.actions.selectors import open_items_of_team

register = template.Library()


@register.inclusion_tag("actions/_team.html")
def team_action_items(team):
    return {"action_items": list(open_items_of_team(team))}
