"""The incident page's "Flapping" note (tocsin/alerting/flapping.py)."""

from django import template
from django.utils import timezone

from tocsin.alerting import flapping
from tocsin.alerting.durations import in_minutes

register = template.Library()


@register.simple_tag
def flapping_note(incident, alerts) -> str:
    """Why an open incident stays open while an alert of it flaps; "" when none does."""
    if not incident.is_open:
        return ""
    now = timezone.now()
    flapping_alerts = [
        alert
        for alert in alerts
        if alert.flapping_since is not None
        and alert.team_id == incident.team_id
        and (alert.resolved_at is None or alert.resolved_at > now - flapping.QUIET_PERIOD)
    ]
    if not flapping_alerts:
        return ""
    first = min(flapping_alerts, key=lambda alert: alert.flapping_since)
    return (
        f"{first.summary} has been flapping since {first.flapping_since:%H:%M} UTC: it keeps "
        f"resolving and firing again, so {incident.reference} stays open instead of resolving "
        f"and reopening with every change. It resolves once its alerts have stayed resolved "
        f"for {in_minutes(flapping.QUIET_PERIOD)}."
    )
