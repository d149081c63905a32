"""Integrations, alerts and what was decided about them, routing rules, maintenance windows."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from tocsin.accounts.models import Team
from tocsin.incidents.models import Incident, Service, Severity
from tocsin.tokens import derive_token, hash_token
from tocsin.tokens import new_salt as _new_salt  # named in migrations


class Kind(models.TextChoices):
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
    GRAFANA = "grafana", "Grafana"
    DATADOG = "datadog", "Datadog"
    CHECKLY = "checkly", "Checkly"
    PAGERDUTY = "pagerduty", "PagerDuty Events v2"
    GENERIC = "generic", "Generic JSON"
    HEARTBEAT = "heartbeat", "Heartbeat"


class Integration(models.Model):
    """One alert source with its own secret URL.

    The token in the URL is derived from the instance secret and a per-integration salt, so it
    can be shown again to whoever may see the integration while only its hash is stored.
    Rotating the token means a new salt.
    """

    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=100)
    token_salt = models.CharField(max_length=32, default=_new_salt, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    signing_secret = models.CharField(
        max_length=200, blank=True, help_text="Checks request signatures when set."
    )
    signature_header = models.CharField(
        max_length=100, blank=True, help_text="Header carrying the signature (Grafana)."
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="integrations")
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="integrations"
    )
    severity = models.ForeignKey(
        Severity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Used when neither a rule nor the severity mapping decides.",
    )
    enabled = models.BooleanField(default=True)
    auto_resolve = models.BooleanField(
        default=True, help_text="Resolve the incident when all of its alerts have resolved."
    )
    reopen_window = models.DurationField(
        default=timedelta(minutes=30),
        help_text="An alert firing again this soon after resolution reopens the incident.",
    )
    rate_limit_per_minute = models.PositiveIntegerField(default=600)
    heartbeat_interval = models.DurationField(null=True, blank=True)
    heartbeat_grace = models.DurationField(default=timedelta(minutes=1))
    last_ping_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # A storm (docs/integrations/index.md#storms): more new alerts in a minute than the limit.
    # While it lasts, the new alerts past the limit join `storm_incident`.
    storm_started_at = models.DateTimeField(null=True, blank=True)
    storm_incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="heartbeat") | Q(heartbeat_interval__isnull=False),
                name="heartbeat_has_interval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def save(self, *args, **kwargs):
        self.token_hash = self.hash_token(self.token)
        super().save(*args, **kwargs)

    @property
    def token(self) -> str:
        return derive_token("integration", self.token_salt)

    hash_token = staticmethod(hash_token)

    @property
    def actor_name(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def heartbeat_deadline(self):
        if self.kind != Kind.HEARTBEAT or self.heartbeat_interval is None:
            return None
        since = self.last_ping_at or self.created_at
        return since + self.heartbeat_interval + self.heartbeat_grace


class AlertStatus(models.TextChoices):
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"


class Matcher(models.TextChoices):
    EQUALS = "=", "equals"
    NOT_EQUALS = "!=", "does not equal"
    REGEX = "=~", "matches regex"
    NOT_REGEX = "!~", "does not match regex"
    EXISTS = "exists", "exists"
    NOT_EXISTS = "!exists", "does not exist"


class RoutingRule(models.Model):
    """Ordered; the first enabled rule whose matchers all hold decides where an alert goes.

    `matchers` is a list of {"field": "labels.severity" | "summary" | "source" | …, "op": one of
    Matcher, "value": str}.
    """

    position = models.PositiveIntegerField(default=100)
    name = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    integration = models.ForeignKey(
        Integration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rules",
        help_text="Only alerts from this integration; empty means all.",
    )
    matchers = models.JSONField(default=list, blank=True)
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    severity = models.ForeignKey(
        Severity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    runbook_url = models.URLField(blank=True)
    grouping_key = models.CharField(
        max_length=200,
        blank=True,
        help_text="Template such as {labels.cluster}/{labels.alertname}; empty keeps the default.",
    )
    suppress = models.BooleanField(default=False, help_text="Store matching alerts, open nothing.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"#{self.position} {self.name}"


class SeverityMapping(models.Model):
    """The source's own severity word → a rung of the ladder, per kind of integration."""

    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=50, help_text="Lower case, e.g. critical.")
    severity = models.ForeignKey(Severity, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["kind", "severity__rank"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="severity_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value} → {self.severity.key}"


class MaintenanceWindowQuerySet(models.QuerySet):
    def in_effect(self, instant):
        """The windows that cover `instant` (see MaintenanceWindow.covers)."""
        return self.filter(starts_at__lte=instant, ends_at__gt=instant)


class MaintenanceWindow(models.Model):
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="maintenance_windows"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Not a column: services.end_maintenance sets it on a window it deleted before it started.
    cancelled = False

    objects = MaintenanceWindowQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="maintenance_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.reason}"

    def covers(self, instant) -> bool:
        """A window is in effect from its start, included, to its end, excluded."""
        return self.starts_at <= instant < self.ends_at


class Alert(models.Model):
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="alerts")
    fingerprint = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default="firing")
    summary = models.CharField(max_length=1024)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=255, blank=True)
    source_severity = models.CharField(max_length=50, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    annotations = models.JSONField(default=dict, blank=True)
    links = models.JSONField(default=list, blank=True)
    payload = models.JSONField(default=dict, blank=True, help_text="The latest raw alert.")
    count = models.PositiveIntegerField(default=1)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="alerts")
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="alerts")
    runbook_url = models.URLField(max_length=500, blank=True)
    rule = models.ForeignKey(
        RoutingRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    grouping_key = models.CharField(max_length=255, blank=True)
    test = models.BooleanField(
        default=False, help_text="Sent from the integration's page to try the pipeline."
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    suppressed_by = models.ForeignKey(
        MaintenanceWindow, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    suppressed_reason = models.CharField(max_length=300, blank=True)
    # Flapping (docs/incidents.md#flapping): it changed state too often lately, so its incident
    # stays open until it has stayed resolved for a quiet period.
    flapping_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "fingerprint"],
                condition=Q(status="firing"),
                name="one_open_alert_per_fingerprint",
            ),
        ]
        indexes = [models.Index(fields=["incident", "status"])]

    def __str__(self) -> str:
        return f"{self.summary} [{self.status}]"

    @property
    def is_suppressed(self) -> bool:
        return bool(self.suppressed_reason)


class AlertEvent(models.Model):
    """One received signal about an alert and every decision taken about it, in words."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="alert_events"
    )
    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    received_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=16)
    decisions = models.JSONField(default=list, help_text="What Tocsin decided, and why.")
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["integration", "received_at"])]

    def __str__(self) -> str:
        return f"{self.action} at {self.received_at:%Y-%m-%d %H:%M:%S}"


class IntakeEvent(models.Model):
    """One intake request as it was received: committed before the sender is answered 2xx, then
    acted on by the worker (tocsin/alerting/intake_queue.py), oldest first per integration.

    `processed_at` is set in the same transaction as everything the event did, so an event is
    acted on exactly once however often a worker dies on it; `error` says why it was not.
    """

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="intake_events"
    )
    received_at = models.DateTimeField(default=timezone.now)
    body = models.TextField(help_text="The JSON body, as received.")
    alert_count = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["integration", "id"],
                condition=Q(processed_at__isnull=True),
                name="intake_event_pending",
            ),
            models.Index(fields=["integration", "received_at"], name="intake_event_received"),
        ]

    def __str__(self) -> str:
        return f"intake event {self.pk} ({self.alert_count} alert(s))"


class ChangeEvent(models.Model):
    """A change that is not a problem (a deploy, a configuration push), as PagerDuty's Change
    Events API sends it: kept beside the alerts of its integration's service, and noted on that
    service's open incidents, which it may have caused."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="changes")
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes"
    )
    summary = models.CharField(max_length=1024)
    source = models.CharField(max_length=255, blank=True)
    occurred_at = models.DateTimeField(help_text="When the sender says it happened.")
    received_at = models.DateTimeField(default=timezone.now)
    links = models.JSONField(default=list, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["service", "-occurred_at"], name="change_by_service")]

    def __str__(self) -> str:
        return self.summary
