"""Support tickets: what a support agent reports, how it is classified (scope × criticality,
then the team's classification), its urgency, its attachments and its own history.

The tagline (`ADMINS-FBLOCK-FE: Clicking on user details gives an error`) is derived from the
stored fields every time it is shown, never stored, so it can never disagree with them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tocsin.accounts.models import Team
from tocsin.incidents.models import Incident, Severity


class Scope(models.TextChoices):
    """Who is affected, from everyone to one person."""

    ALL = "ALL", "Everyone (users and admins)"
    ALL_USERS = "ALL-USERS", "All users"
    ALL_ADMINS = "ALL-ADMINS", "All admins"
    USERS = "USERS", "Some users"
    ADMINS = "ADMINS", "Some admins"
    S_USER = "S-USER", "A single user"
    S_ADMIN = "S-ADMIN", "A single admin"


class Criticality(models.TextChoices):
    """How bad it is for them."""

    ALLBLOCK = "ALLBLOCK", "Blocks the whole application"
    FBLOCK = "FBLOCK", "Blocks a feature"
    FBEHAV = "FBEHAV", "A feature misbehaves"


class Classification(models.TextChoices):
    """Which part of the product the team lead finds at fault."""

    FEBE = "FEBE", "Front end and back end"
    FE = "FE", "Front end"
    BE = "BE", "Back end"
    DEVOPS = "DEVOPS", "DevOps (infrastructure, deployment)"


class Urgency(models.IntegerChoices):
    CRITICAL = 1, "U1 Critical"
    HIGH = 2, "U2 High"
    MEDIUM = 3, "U3 Medium"
    LOW = 4, "U4 Low"


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    ESCALATED = "escalated", "Escalated"
    CLOSED = "closed", "Closed"


class CloseReason(models.TextChoices):
    NOT_A_BUG = "not_a_bug", "Not an application problem"
    DUPLICATE = "duplicate", "Duplicate"
    FIXED = "fixed", "Fixed"


class Ticket(models.Model):
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        related_name="tickets",
        help_text="The team that triages it.",
    )
    title = models.CharField(max_length=200, help_text="What goes wrong, in one line.")
    customer_user_id = models.CharField(max_length=200, help_text="The customer's user id.")
    what_they_did = models.TextField()
    what_happened = models.TextField()
    expected = models.TextField(blank=True, help_text="What they expected instead.")
    browser = models.CharField(max_length=200, blank=True)
    session_replay_url = models.URLField(max_length=500, blank=True)

    scope = models.CharField(max_length=16, choices=Scope.choices)
    criticality = models.CharField(max_length=16, choices=Criticality.choices)
    classification = models.CharField(max_length=16, choices=Classification.choices, blank=True)

    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices)
    urgency_reason = models.CharField(
        max_length=500, blank=True, help_text="Why a lead set it apart from the matrix."
    )

    status = models.CharField(
        max_length=16, choices=TicketStatus.choices, default=TicketStatus.NEW, db_index=True
    )
    close_reason = models.CharField(max_length=16, choices=CloseReason.choices, blank=True)
    close_note = models.TextField(blank=True, help_text="What the agent is told.")
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )

    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reported_tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="watched_tickets"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    triaged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(urgency__gte=1, urgency__lte=4), name="ticket_urgency_known"
            ),
            models.CheckConstraint(
                condition=Q(status="closed", close_reason__in=CloseReason.values)
                | (~Q(status="closed") & Q(close_reason="")),
                name="ticket_closed_with_a_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="escalated") | Q(incident__isnull=False),
                name="ticket_escalated_to_an_incident",
            ),
            models.CheckConstraint(condition=Q(title__regex=r"\S"), name="ticket_title_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.tagline}"

    @property
    def reference(self) -> str:
        return f"TKT-{self.pk}"

    @property
    def code(self) -> str:
        """ADMINS-FBLOCK, then -FE once the team classified it."""
        return "-".join(self.labels)

    @property
    def tagline(self) -> str:
        return f"{self.code}: {self.title}"

    @property
    def labels(self) -> list[str]:
        """The tagline's words, for a tracker's labels."""
        return [part for part in (self.scope, self.criticality, self.classification) if part]

    @property
    def is_closed(self) -> bool:
        return self.status == TicketStatus.CLOSED


class UrgencyCell(models.Model):
    """One cell of the urgency matrix an admin changed; cells without a row use the default."""

    scope = models.CharField(max_length=16, choices=Scope.choices)
    criticality = models.CharField(max_length=16, choices=Criticality.choices)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "criticality"], name="urgency_cell_once"),
            models.CheckConstraint(
                condition=Q(urgency__gte=1, urgency__lte=4), name="urgency_cell_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope}-{self.criticality} → U{self.urgency}"


class UrgencySeverity(models.Model):
    """Escalating a ticket of this urgency opens an incident of this severity."""

    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, unique=True)
    severity = models.ForeignKey(Severity, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "urgency's severity"
        verbose_name_plural = "urgencies' severities"

    def __str__(self) -> str:
        return f"U{self.urgency} → {self.severity}"


class ClassificationTeam(models.Model):
    """Escalating a ticket of this classification gives the incident to this team."""

    classification = models.CharField(max_length=16, choices=Classification.choices, unique=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "classification's team"
        verbose_name_plural = "classifications' teams"

    def __str__(self) -> str:
        return f"{self.classification} → {self.team}"


class TicketEvent(models.Model):
    """The ticket's own history, append-only: what the agent and the team see happen."""

    class Kind(models.TextChoices):
        CREATED = "created", "Opened"
        ATTACHED = "attached", "Attachment"
        TRIAGED = "triaged", "Triaged"
        URGENCY = "urgency", "Urgency changed"
        ESCALATED = "escalated", "Escalated"
        JOINED = "joined", "Joined an incident"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Reopened"
        COMMENT = "comment", "Comment"
        INCIDENT = "incident", "Incident update"
        ASSIGNED = "assigned", "Assigned"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    message = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket.reference} {self.message}"


class AttachmentKind(models.TextChoices):
    IMAGE = "image", "Screenshot"
    HAR = "har", "HAR file"
    VIDEO = "video", "Screen recording"


class Attachment(models.Model):
    """A file attached to a ticket, stored under TOCSIN_ATTACHMENT_DIR by its checksum; its type
    was decided from its content, never from its name."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=8, choices=AttachmentKind.choices)
    content_type = models.CharField(max_length=100)
    name = models.CharField(max_length=255, help_text="The name it was uploaded with, cleaned.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_as = models.CharField(max_length=200, help_text="Relative to the attachment folder.")
    redaction = models.JSONField(
        default=dict, blank=True, help_text="What was removed from a HAR file before storing it."
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.reference} {self.name}"
