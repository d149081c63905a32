"""Keep alerts in step with their incident."""

from django.dispatch import receiver

from tocsin.incidents.models import Event
from tocsin.incidents.signals import timeline_recorded

from .ingest import resolve_alerts_of


@receiver(timeline_recorded)
def close_alerts_with_their_incident(sender, incident, event, **kwargs):
    if event.kind in (Event.RESOLVED, Event.CANCELLED):
        resolve_alerts_of(incident, now=event.at)
