"""`{% escalation_card incident %}`: where an incident's paging stands, for the incident page."""

from django import template

from tocsin.oncall.escalation.selectors import escalation_status

register = template.Library()


@register.inclusion_tag("oncall/_escalation_card.html")
def escalation_card(incident):
    return {"incident": incident, "status": escalation_status(incident)}
