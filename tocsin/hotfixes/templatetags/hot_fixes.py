"""The team page's section of unmerged hot fixes (tocsin/hotfixes/)."""

from django import template

from tocsin.hotfixes.selectors import unmerged_of_team

register = template.Library()


@register.inclusion_tag("hotfixes/_team.html")
def team_hot_fixes(team):
    return {"hot_fixes": list(unmerged_of_team(team))}
