"""Outbox messages that follow from what happens to incidents."""

from django.dispatch import receiver

from tocsin.incidents.models import Event
from tocsin.incidents.signals import timeline_recorded

from .services import enqueue_resolution_email


@receiver(timeline_recorded)
def tell_the_team_list_about_resolutions(sender, incident, event, **kwargs):
    # Inside the resolving transaction: the e-mail is queued exactly when the resolution commits.
    if event.kind == Event.RESOLVED:
        enqueue_resolution_email(incident, event)
