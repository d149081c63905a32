"""What the status page's management templates and the incident page's card share."""

from django import template

from ..models import ComponentStatus, IncidentStatus, MaintenanceStatus

register = template.Library()

LABELS = {
    **dict(ComponentStatus.choices),
    **dict(IncidentStatus.choices),
    **dict(MaintenanceStatus.choices),
    "cancelled": "Cancelled",
}


@register.filter
def status_label(value: str) -> str:
    """ "partial_outage" → "Partial outage"; a value it does not know, as it is."""
    return LABELS.get(value, value)
