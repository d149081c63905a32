"""Alerts follow their incident: registered in apps.py, listed in tocsin/incidents/reactions.py."""

from tocsin.incidents.models import Incident, TimelineEvent

from .ingest import resolve_alerts_of


def close_alerts_with_their_incident(incident: Incident, event: TimelineEvent) -> None:
    """Resolve the incident's firing alerts, so the next firing opens a new incident."""
    resolve_alerts_of(incident, now=event.at)
