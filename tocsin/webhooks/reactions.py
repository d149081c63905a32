"""Webhook deliveries follow from timeline events: registered in apps.py, listed in
tocsin/incidents/reactions.py."""

from tocsin.incidents.models import Incident, TimelineEvent

from .services import enqueue_event


def tell_the_webhooks(incident: Incident, event: TimelineEvent) -> None:
    """Queue one signed delivery per webhook subscribed to the event's type."""
    enqueue_event(incident, event)
