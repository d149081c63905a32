"""`{% load notify_deliveries %}`: whether the navigation shows Deliveries to this person."""

from django import template

from tocsin.accounts.permissions import may_see_deliveries as _may_see_deliveries

register = template.Library()


@register.filter
def may_see_deliveries(user) -> bool:
    return _may_see_deliveries(user)
