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


@register.filter
def is_agent(user) -> bool:
    """`{% if user|is_agent %}`: a support agent's top bar shows tickets only."""
    return permissions.is_agent(user)


@register.filter
def may_see_tickets(user) -> bool:
    """`{% if user|may_see_tickets %}`: the top bar's Tickets link."""
    return permissions.may_see_tickets(user)
