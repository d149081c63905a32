"""The situation report follows from the resolution: written in the resolving transaction.
Registered in tocsin/postincident/apps.py, listed in tocsin/incidents/reactions.py."""

from tocsin.incidents.models import Incident, TimelineEvent

from .services import write_report


def write_the_situation_report(incident: Incident, event: TimelineEvent) -> None:
    """Write the situation report (a drill's is marked), e-mail it, reply in the chat threads."""
    write_report(incident=incident, by=event.actor, via=event.via)
