"""Outgoing webhooks: a URL that receives signed JSON for chosen incident events."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tocsin.tokens import derive_token, new_salt

from .masking import masked_url


class EventType(models.TextChoices):
    TRIGGERED = "incident.triggered", "Incident triggered"
    ACKNOWLEDGED = "incident.acknowledged", "Incident acknowledged"
    UPDATED = "incident.updated", "Incident updated"
    RESOLVED = "incident.resolved", "Incident resolved or cancelled"
    REOPENED = "incident.reopened", "Incident reopened"
    NOTE_ADDED = "incident.note_added", "Note added"
    # Support tickets (tocsin/tickets/): the body carries the ticket, its tagline and labels.
    TICKET_OPENED = "ticket.opened", "Ticket opened"
    TICKET_TRIAGED = "ticket.triaged", "Ticket triaged"
    TICKET_ESCALATED = "ticket.escalated", "Ticket escalated or joined to an incident"
    TICKET_CLOSED = "ticket.closed", "Ticket closed"


# Sent only by "send a test"; no subscription needed.
PING = "ping"


def all_event_types() -> list[str]:
    return list(EventType.values)


class Webhook(models.Model):
    """One receiver of incident events: a team's, or instance-wide when `team` is empty.

    The signing secret is not stored: it is derived from the instance secret and a per-webhook
    salt (like integration URLs), so a copy of the database alone cannot forge signatures, and
    it can still be shown to the people who manage the webhook. Rotating it means a new salt.
    """

    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        help_text="Empty: every team's incidents (instance-wide, managed by admins).",
    )
    name = models.CharField(max_length=100)
    url = models.CharField(max_length=2000, help_text="http:// or https://; POSTed to.")
    secret_salt = models.CharField(max_length=32, default=new_salt, editable=False)
    events = models.JSONField(
        default=all_event_types, help_text="The event types this webhook receives."
    )
    enabled = models.BooleanField(default=True)
    include_drills = models.BooleanField(
        default=False,
        help_text='Also receive drills\' events (with "drill": true); off: drills send nothing.',
    )
    # The circuit (circuit.py): deliveries in a row without a good answer, and while it is open.
    failures_in_a_row = models.PositiveIntegerField(default=0, editable=False)
    circuit_open_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__name", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "name"],
                condition=Q(team__isnull=False),
                name="webhook_name_unique_in_team",
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(team__isnull=True),
                name="webhook_name_unique_instance_wide",
            ),
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="webhook_url_is_http",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.team.name if self.team_id else 'all teams'})"

    @property
    def secret(self) -> str:
        return derive_token("webhook", self.secret_salt)

    @property
    def masked_url(self) -> str:
        """The URL with its user name, password and query values masked, for lists and logs."""
        return masked_url(self.url)

    @property
    def circuit_open(self) -> bool:
        """Its deliveries wait (circuit.py): too many in a row got no good answer."""
        until = self.circuit_open_until
        return until is not None and until > timezone.now()

    def receives(self, event_type: str) -> bool:
        return event_type in (self.events or [])


class DeliveryAttempt(models.Model):
    """One try at sending one delivery: where it went and what came back.

    The delivery log shows these to the people who manage the webhook, and only to them: the
    incident's timeline, which everyone reads, says only that the webhook failed.
    """

    message = models.ForeignKey(
        "notify.OutboxMessage", on_delete=models.CASCADE, related_name="webhook_attempts"
    )
    number = models.PositiveIntegerField(
        help_text="1 for the first attempt, 2 for the first retry…"
    )
    at = models.DateTimeField(default=timezone.now)
    url = models.CharField(max_length=2000, help_text="The URL, its credentials masked.")
    address = models.CharField(
        max_length=64, blank=True, help_text="The IP address connected to, directly."
    )
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.TextField(blank=True, help_text="The start of the receiver's answer.")
    error = models.TextField(blank=True, help_text="What went wrong, in full.")

    class Meta:
        ordering = ["message", "number", "id"]

    def __str__(self) -> str:
        return f"attempt {self.number} of outbox message {self.message_id}"
