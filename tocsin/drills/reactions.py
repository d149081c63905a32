"""Drills follow their incidents: registered in apps.py, listed in tocsin/incidents/reactions.py."""

from tocsin.incidents.models import Incident, TimelineEvent

from .services import follow_incident


def end_the_drill(incident: Incident, event: TimelineEvent) -> None:
    """A drill's incident resolved: its run is finished; cancelled: its run is cancelled."""
    if incident.drill:
        follow_incident(incident, event)
