"""Webhook deliveries follow from timeline events, queued in the transaction that wrote them."""

from django.dispatch import receiver

from tocsin.incidents.signals import timeline_recorded

from .services import enqueue_event


@receiver(timeline_recorded)
def tell_the_webhooks(sender, incident, event, **kwargs):
    enqueue_event(incident, event)
