"""Severities, services, incidents, roles and the timeline."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tocsin.accounts.models import Team


class Severity(models.Model):
    """One rung of the severity ladder; rank 1 is the most severe."""

    key = models.CharField(max_length=8, unique=True, help_text="Short name, e.g. P1.")
    name = models.CharField(max_length=50)
    rank = models.PositiveSmallIntegerField(unique=True)
    description = models.TextField(blank=True)
    color = models.CharField(max_length=7, default="#6b7280", help_text="Hex colour, e.g. #dc2626.")
    pages_oncall = models.BooleanField(default=False)
    requires_postmortem = models.BooleanField(default=False)
    ack_timeout = models.DurationField(
        null=True, blank=True, help_text="Re-trigger an acknowledged incident left this long."
    )

    class Meta:
        ordering = ["rank"]
        verbose_name_plural = "severities"

    def __str__(self) -> str:
        return f"{self.key} {self.name}"


class Service(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="services")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    TRIGGERED = "triggered", "Triggered"
    ACKNOWLEDGED = "acknowledged", "Working"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (Status.TRIGGERED, Status.ACKNOWLEDGED, Status.IDENTIFIED, Status.MONITORING)


class Source(models.TextChoices):
    MANUAL = "manual", "Declared by hand"
    ALERT = "alert", "Alert"
    TICKET = "ticket", "Support ticket"
    API = "api", "API"
    CHAT = "chat", "Chat"


class Channel(models.TextChoices):
    """Where an action came from."""

    WEB = "web", "Web"
    API = "api", "API"
    CLI = "cli", "Command line"
    EMAIL = "email", "E-mail"
    TELEGRAM = "telegram", "Telegram"
    SLACK = "slack", "Slack"
    INTEGRATION = "integration", "Integration"
    SYSTEM = "system", "Tocsin"


class Incident(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="incidents")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TRIGGERED)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="incidents")
    services = models.ManyToManyField(Service, blank=True, related_name="incidents")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    drill = models.BooleanField(
        default=False, help_text="A practice incident, left out of metrics."
    )

    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_incidents",
    )
    reported_at = models.DateTimeField(default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="acknowledged_incidents",
    )
    identified_at = models.DateTimeField(null=True, blank=True)
    monitoring_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resolved_incidents",
    )
    resolution = models.TextField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    impact_who = models.TextField("who was impacted", blank=True)
    impact_how = models.TextField("how they were impacted", blank=True)
    grouping_key = models.CharField(
        max_length=255,
        blank=True,
        help_text="Alerts with this key join this incident while it is open.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="resolved") | Q(resolved_at__isnull=False),
                name="incident_resolved_has_time",
            ),
            models.UniqueConstraint(
                fields=["grouping_key"],
                condition=Q(status__in=OPEN_STATUSES) & ~Q(grouping_key=""),
                name="one_open_incident_per_grouping_key",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "team"]),
            # The closed part of the incident list, severity by severity, newest first
            # (selectors.list_page); the condition is the one its queries carry.
            models.Index(
                fields=["severity", "-reported_at", "-id"],
                condition=~Q(status__in=OPEN_STATUSES),
                name="incident_closed_by_severity",
            ),
            # Its open part, read whole and sorted: the few open incidents among many closed.
            models.Index(
                fields=["status", "severity", "reported_at"],
                condition=Q(status__in=OPEN_STATUSES),
                name="incident_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def number(self) -> int:
        return self.pk

    @property
    def reference(self) -> str:
        return f"INC-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        if self.acknowledged_at is None:
            return None
        return self.acknowledged_at - self.reported_at

    @property
    def time_to_resolve(self) -> timedelta | None:
        if self.resolved_at is None:
            return None
        return self.resolved_at - self.reported_at

    def commander(self):
        assignment = self.role_assignments.filter(
            role=Role.COMMANDER, ended_at__isnull=True
        ).first()
        return assignment.user if assignment else None

    def refresh(self) -> "Incident":
        self.refresh_from_db()
        return self


class Role(models.TextChoices):
    COMMANDER = "commander", "Commander"
    RESPONDER = "responder", "Responder"
    COMMUNICATIONS = "communications", "Communications lead"
    SCRIBE = "scribe", "Scribe"


class RoleAssignment(models.Model):
    """Who holds a role on an incident, and since when; ended rows are the hand-over history."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="role_assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incident_roles"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    assigned_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(role="commander", ended_at__isnull=True),
                name="one_commander_per_incident",
            ),
            models.UniqueConstraint(
                fields=["incident", "user", "role"],
                condition=Q(ended_at__isnull=True),
                name="one_active_role_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_role_display()} on {self.incident.reference}"


class Event(models.TextChoices):
    CREATED = "created", "Declared"
    STATUS_CHANGED = "status_changed", "Status changed"
    SEVERITY_CHANGED = "severity_changed", "Severity changed"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ASSIGNED = "assigned", "Assigned"
    ROLE_ASSIGNED = "role_assigned", "Role assigned"
    ROLE_REMOVED = "role_removed", "Role removed"
    NOTE = "note", "Note"
    ALERT = "alert", "Alert"
    # Asked for: the page is in the outbox. PAGE_DELIVERED when the provider accepted it.
    PAGE_SENT = "page_sent", "Paging"
    PAGE_DELIVERED = "page_delivered", "Page delivered"
    PAGE_FAILED = "page_failed", "Page failed"
    # Written by the escalation engine, not by a person: escalation stopped, a level that
    # reached nobody, the end of the policy.
    ESCALATION = "escalation", "Escalation"
    # Back to triggered while still open: the acknowledgement timed out.
    RETRIGGERED = "retriggered", "Triggered again"
    # A deploy or other change on one of the incident's services, sent while it was open.
    CHANGE = "change", "Change"
    UPDATED = "updated", "Details updated"
    RESOLVED = "resolved", "Resolved"
    REOPENED = "reopened", "Reopened"
    CANCELLED = "cancelled", "Cancelled"
    # What the status page was told: published, updated, resolved there (tocsin/statuspage/).
    PUBLIC_UPDATE = "public_update", "Status page"
    # A step of the incident's runbook ticked as done (tocsin/runbooks/).
    RUNBOOK_STEP = "runbook_step", "Runbook step"
    # The situation report was generated, or sent to its stakeholders (tocsin/postincident/).
    SITUATION_REPORT = "situation_report", "Situation report"
    # A post-mortem drafted, reviewed, published or exported (tocsin/postincident/postmortems/).
    POSTMORTEM = "postmortem", "Post-mortem"
    # A support ticket escalated to the incident or joined it (tocsin/tickets/).
    TICKET = "ticket", "Support ticket"
    # A hot fix recorded, or one of its merge-backs done or undone (tocsin/hotfixes/).
    HOT_FIX = "hot_fix", "Hot fix"
    # A drill started, scheduled or cancelled (tocsin/drills/).
    DRILL = "drill", "Drill"


class TimelineEvent(models.Model):
    """Append-only: rows are written by services and never updated or deleted."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=32, choices=Event.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(
        max_length=150, blank=True, help_text="Who acted, kept even if the user is removed."
    )
    via = models.CharField(max_length=16, choices=Channel.choices, default=Channel.SYSTEM)
    message = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.incident.reference} {self.at:%Y-%m-%d %H:%M} {self.message}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("timeline events are append-only")
        super().save(*args, **kwargs)
