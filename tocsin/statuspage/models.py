"""The status page: what the public is told, and who asked to hear about it.

A page shows components (in groups), public incidents with their updates, and maintenances.
Every component status a page has ever shown is a row of the append-only history
(ComponentStatusChange), from which uptime is scored (uptime.py); daily rollups keep the 90-day
bars cheap. A maintenance is the alerting maintenance windows of its components' services made
public: one window per linked service (alerting.MaintenanceWindow), so alert suppression and the
public notice cannot disagree. What visitors fetch is never computed per request: each public
change renders the page into snapshots (Snapshot), served as they are.
"""

import secrets
import string

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

CODE_ALPHABET = string.ascii_lowercase + string.digits


def new_code() -> str:
    """A public id in Statuspage's style ("tsmq0yzx2nqc"): nothing internal shows through."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))


class ComponentStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    DEGRADED_PERFORMANCE = "degraded_performance", "Degraded performance"
    PARTIAL_OUTAGE = "partial_outage", "Partial outage"
    MAJOR_OUTAGE = "major_outage", "Major outage"
    UNDER_MAINTENANCE = "under_maintenance", "Under maintenance"


# Worst last: the order a page uses to say how bad things are.
COMPONENT_STATUS_RANK = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 1,
    ComponentStatus.DEGRADED_PERFORMANCE: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    VERIFYING = "verifying", "Verifying"
    COMPLETED = "completed", "Completed"


class Impact(models.TextChoices):
    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


class Page(models.Model):
    """One status page. The default page is public at /status/; another may need sign-in."""

    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False)
    public = models.BooleanField(
        default=True, help_text="Readable without signing in; otherwise only by signed-in users."
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    show_incident_numbers = models.BooleanField(
        default=False, help_text="Show the internal incident number (INC-12) on public incidents."
    )
    show_authors = models.BooleanField(
        default=False, help_text="Show who wrote each public update."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_status_page"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ComponentGroup(models.Model):
    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["page", "name"], name="component_group_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Component(models.Model):
    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="components")
    group = models.ForeignKey(
        ComponentGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="components",
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=24, choices=ComponentStatus.choices, default=ComponentStatus.OPERATIONAL
    )
    visible = models.BooleanField(default=True, help_text="Shown on the page at all.")
    showcase = models.BooleanField(default=True, help_text="Show its 90-day uptime bars.")
    only_show_if_degraded = models.BooleanField(default=False)
    start_date = models.DateField(
        null=True, blank=True, help_text="Uptime is counted from this day; none before it."
    )
    services = models.ManyToManyField(
        "incidents.Service", blank=True, related_name="status_components"
    )
    # Opt-in: an incident opened from an alert on a linked service sets the proposed status and
    # publishes a first update without waiting for a person's click.
    automatic = models.BooleanField(default=False)
    automatic_message = models.TextField(
        blank=True,
        default="We are investigating reports of problems with this component.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["page", "name"], name="component_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ComponentStatusChange(models.Model):
    """Append-only: every status a component took, from when. Uptime is scored from these."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=24, choices=ComponentStatus.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    incident = models.ForeignKey(
        "PublicIncident", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    maintenance = models.ForeignKey(
        "Maintenance", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["component", "at", "id"]

    def __str__(self) -> str:
        return f"{self.component}: {self.status} from {self.at:%Y-%m-%d %H:%M}"


class UptimeDay(models.Model):
    """A finished day's seconds in each status that counts against uptime (uptime.py)."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="uptime_days")
    day = models.DateField()
    major_outage_seconds = models.PositiveIntegerField(default=0)
    partial_outage_seconds = models.PositiveIntegerField(default=0)
    degraded_seconds = models.PositiveIntegerField(default=0)
    maintenance_seconds = models.PositiveIntegerField(default=0)
    counted_seconds = models.PositiveIntegerField(
        default=86400, help_text="Seconds of the day the component existed (after start_date)."
    )

    class Meta:
        ordering = ["component", "day"]
        verbose_name = verbose_name_plural = "daily uptime"
        constraints = [
            models.UniqueConstraint(fields=["component", "day"], name="uptime_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.component} on {self.day}"


class PublicIncident(models.Model):
    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="incidents")
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="public_incidents",
        help_text="The internal incident it tells about; empty for a standalone one.",
    )
    name = models.CharField(max_length=200)
    status = models.CharField(
        max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )
    impact_override = models.CharField(max_length=16, choices=Impact.choices, blank=True)
    components = models.ManyToManyField(Component, blank=True, related_name="incidents")
    started_at = models.DateTimeField(default=timezone.now)
    # Empty while it is a draft: drafts are seen by signed-in people only, never by the public.
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    monitoring_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # One public incident per internal incident and page: publishing twice updates it.
            models.UniqueConstraint(
                fields=["page", "incident"],
                condition=Q(incident__isnull=False),
                name="one_public_incident_per_incident",
            ),
            models.CheckConstraint(
                condition=Q(status="resolved", resolved_at__isnull=False) | ~Q(status="resolved"),
                name="resolved_public_incident_has_resolved_at",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IncidentUpdate(models.Model):
    """One public update of an incident; its body is Markdown, rendered sanitised."""

    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    incident = models.ForeignKey(PublicIncident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)
    body = models.TextField()
    # What the update set: [{"code", "name", "old_status", "new_status"}], as Statuspage says it.
    affected_components = models.JSONField(default=list, blank=True)
    display_at = models.DateTimeField(default=timezone.now, help_text="May be backdated.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    notify_subscribers = models.BooleanField(default=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-display_at", "-id"]

    def __str__(self) -> str:
        return f"{self.status}: {self.body[:40]}"


class Maintenance(models.Model):
    """A scheduled maintenance: public, and the alerting windows of its components' services.

    Its status follows the clock (scheduled before the window, in progress during it, completed
    after it) unless a person set `verifying` or completed it early (`completed_at`).
    """

    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="maintenances")
    name = models.CharField(max_length=200)
    scheduled_for = models.DateTimeField()
    scheduled_until = models.DateTimeField()
    components = models.ManyToManyField(Component, blank=True, related_name="maintenances")
    # The alerting maintenance windows this maintenance made: one per linked service.
    windows = models.ManyToManyField(
        "alerting.MaintenanceWindow", blank=True, related_name="public_maintenances"
    )
    verifying = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Called off before it started: no window suppresses anything, nothing starts. Statuspage's
    # statuses have no word for it, so it reads as completed there (`status_at`).
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Which of its boundaries subscribers were told about (and the page re-rendered for).
    announced_start_at = models.DateTimeField(null=True, blank=True)
    announced_end_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    remind_before = models.DurationField(
        null=True, blank=True, help_text="Remind subscribers this long before it starts."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scheduled_until__gt=F("scheduled_for")),
                name="public_maintenance_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def status_at(self, instant) -> str:
        if self.cancelled_at is not None and self.cancelled_at <= instant:
            return MaintenanceStatus.COMPLETED
        if self.completed_at is not None and self.completed_at <= instant:
            return MaintenanceStatus.COMPLETED
        if instant < self.scheduled_for:
            return MaintenanceStatus.SCHEDULED
        if instant < self.scheduled_until:
            return MaintenanceStatus.VERIFYING if self.verifying else MaintenanceStatus.IN_PROGRESS
        return MaintenanceStatus.COMPLETED

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())


class MaintenanceUpdate(models.Model):
    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    maintenance = models.ForeignKey(Maintenance, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=MaintenanceStatus.choices)
    body = models.TextField()
    display_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-display_at", "-id"]

    def __str__(self) -> str:
        return f"{self.status}: {self.body[:40]}"


class ProposedStatus(models.Model):
    """The component status an incident of this severity proposes (P1 → major outage)."""

    severity = models.OneToOneField(
        "incidents.Severity", on_delete=models.CASCADE, related_name="proposed_component_status"
    )
    status = models.CharField(max_length=24, choices=ComponentStatus.choices)

    class Meta:
        verbose_name_plural = "proposed statuses"

    def __str__(self) -> str:
        return f"{self.severity.key} → {self.get_status_display()}"


class SubscriberKind(models.TextChoices):
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook"


class Subscriber(models.Model):
    """A visitor who asked to hear about a page, by e-mail (double opt-in) or webhook.

    No components chosen means all of them. Nothing is sent before `confirmed_at`.
    """

    code = models.CharField(max_length=12, unique=True, default=new_code, editable=False)
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="subscribers")
    kind = models.CharField(max_length=16, choices=SubscriberKind.choices)
    email = models.EmailField(max_length=254, blank=True)
    url = models.URLField(max_length=500, blank=True)
    secret = models.CharField(max_length=64, blank=True, help_text="Signs webhook deliveries.")
    components = models.ManyToManyField(Component, blank=True, related_name="subscribers")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Bumped to invalidate every link sent so far (manage, unsubscribe, confirm).
    link_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "email"],
                condition=Q(kind="email"),
                name="one_email_subscriber_per_page",
            ),
            models.UniqueConstraint(
                fields=["page", "url"],
                condition=Q(kind="webhook"),
                name="one_webhook_subscriber_per_page",
            ),
            models.CheckConstraint(
                condition=(Q(kind="email") & ~Q(email="")) | (Q(kind="webhook") & ~Q(url="")),
                name="subscriber_has_an_address",
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.url


class Snapshot(models.Model):
    """One rendered public file of a page (index.html, api/v2/summary.json, history.atom …)."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="snapshots")
    name = models.CharField(max_length=200)
    content = models.BinaryField()
    content_type = models.CharField(max_length=100)
    etag = models.CharField(max_length=80)
    rendered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "name"], name="snapshot_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.page.slug}/{self.name}"


class SubscribeAttempt(models.Model):
    """One accepted request of the public subscribe form, counted by the rate limits.

    `key` is a keyed hash of what is limited (an e-mail address on a page, a client address),
    never the address itself; rows older than the longest window are deleted as new ones come.
    """

    key = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["key", "at"], name="subscribe_attempt_key_at"),
            models.Index(fields=["at"], name="subscribe_attempt_at"),
        ]

    def __str__(self) -> str:
        return f"subscribe attempt at {self.at:%Y-%m-%d %H:%M}"
