"""How incidents tell the rest of Tocsin that something happened.

`timeline_recorded` is sent inside the transaction that wrote the event, so a receiver that
writes rows (an outbox message, an escalation timer) commits or rolls back with the change.
"""

from django.dispatch import Signal

# sender=Incident, event=TimelineEvent
timeline_recorded = Signal()
