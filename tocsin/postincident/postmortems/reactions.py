"""What post-mortems do when an incident changes: registered in tocsin/postincident/apps.py,
listed in tocsin/incidents/reactions.py."""

from tocsin.incidents.models import Incident, TimelineEvent

from .models import Postmortem
from .services import start_postmortem


def draft_the_postmortem(incident: Incident, event: TimelineEvent) -> None:
    """Resolved with a severity that requires one: draft its post-mortem for the commander."""
    if not incident.severity.requires_postmortem:
        return
    if Postmortem.objects.filter(incident=incident).exists():
        return
    start_postmortem(incident=incident, by=None)
