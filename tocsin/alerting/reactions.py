"""Alerts follow their incident: registered in apps.py, listed in tocsin/incidents/reactions.py."""

from tocsin.incidents.models import Incident, TimelineEvent

from .models import Alert, AlertStatus


def close_alerts_with_their_incident(incident: Incident, event: TimelineEvent) -> None:
    """Resolve the incident's firing alerts, so the next firing opens a new incident."""
    Alert.objects.filter(incident=incident, status=AlertStatus.FIRING).update(
        status=AlertStatus.RESOLVED, resolved_at=event.at
    )
