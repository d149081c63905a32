"""Intake over HTTP, in the test's own process: what the worker would do next, done now.

An intake endpoint only stores the event and answers 202; `drain()` then acts on every waiting
event with the worker's own function (tocsin.alerting.intake_queue.process_pending), as the
worker thread does when the web process wakes it.
"""

from tocsin.alerting.intake_queue import process_pending
from tocsin.alerting.models import IntakeEvent


def drain() -> int:
    """Act on every waiting intake event, batch after batch; the number of events acted on."""
    events = 0
    while (batch := process_pending()).integration is not None:
        events += batch.events
    assert not IntakeEvent.objects.filter(processed_at__isnull=True).exists()
    return events


def posted(response):
    """`response`, once the event it accepted (if any) has been acted on."""
    if response.status_code == 202:
        drain()
    return response
