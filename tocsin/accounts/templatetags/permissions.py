"""The questions of tocsin.accounts.permissions that every page's layout asks."""

from django import template

from tocsin.accounts import permissions

register = template.Library()


@register.filter
def may_declare(user) -> bool:
    """`{% if user|may_declare %}`: the top bar's Declare button."""
    return permissions.may_declare(user)


@register.filter
def may_see_metrics(user) -> bool:
    """`{% if user|may_see_metrics %}`: the top bar's Metrics link."""
    return permissions.may_see_metrics(user)
