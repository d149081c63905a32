"""Escalation policies, personal notification rules, and the engine's timers (runs, page steps).

Every deadline of the engine is a row with a `next_at` that workers claim (DESIGN.md §3): an
`EscalationRun` says when the next level of an incident's escalation is due, a `PageStep` when a
person's delayed notification rule (e.g. "another method after 2 minutes") is due.
"""

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone

from tocsin.accounts.models import ContactMethod, Team, User

from ..schedules.models import Schedule


class EscalationPolicy(models.Model):
    """Who to page for a team, level by level, until someone acknowledges."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="escalation_policies")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    repeat = models.PositiveSmallIntegerField(
        default=0, help_text="Go through all levels again this many times after the first pass."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "escalation policies"
        ordering = ["team__name", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "name"], name="escalation_policy_name_unique_in_team"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EscalationLevel(models.Model):
    """One step of a policy: page its targets, then wait `delay` before the next level."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveIntegerField(help_text="1 is paged first.")
    delay = models.DurationField(
        default=timedelta(minutes=5), help_text="Wait this long before the next level."
    )

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "position"], name="escalation_level_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1), name="escalation_level_position_positive"
            ),
            models.CheckConstraint(
                condition=Q(delay__gte=timedelta(0)), name="escalation_level_delay_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy}: level {self.position}"


class TargetKind(models.TextChoices):
    USER = "user", "Person"
    SCHEDULE = "schedule", "Whoever is on call in a schedule"
    TEAM = "team", "Every member of the team"


class LevelTarget(models.Model):
    level = models.ForeignKey(EscalationLevel, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(max_length=16, choices=TargetKind.choices)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    schedule = models.ForeignKey(
        Schedule, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["level", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="user", user__isnull=False, schedule__isnull=True)
                    | Q(kind="schedule", user__isnull=True, schedule__isnull=False)
                    | Q(kind="team", user__isnull=True, schedule__isnull=True)
                ),
                name="level_target_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == TargetKind.USER:
            return str(self.user)
        if self.kind == TargetKind.SCHEDULE:
            return f"on call in {self.schedule}"
        return f"everyone in {self.level.policy.team}"


class NotificationRule(models.Model):
    """A person's own rule: reach me on this contact method, `delay` after I am paged."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notification_rules")
    position = models.PositiveIntegerField()
    contact_method = models.ForeignKey(
        ContactMethod, on_delete=models.CASCADE, related_name="notification_rules"
    )
    delay = models.DurationField(default=timedelta(0))

    class Meta:
        ordering = ["user", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "position"], name="notification_rule_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(delay__gte=timedelta(0)), name="notification_rule_delay_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.contact_method} after {self.delay}"


class RunState(models.TextChoices):
    ACTIVE = "active", "Escalating"
    STOPPED = "stopped", "Stopped"
    EXHAUSTED = "exhausted", "Exhausted"


class EscalationRun(models.Model):
    """One incident's escalation: a snapshot of the policy taken when it started, and a timer.

    `level_index` (0-based) is the level paged when `next_at` comes; it equals the number of
    levels when the last level has been paged and only the next pass (or the end) is left.
    """

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="escalation_runs"
    )
    policy = models.ForeignKey(
        EscalationPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    snapshot = models.JSONField()
    level_index = models.PositiveIntegerField(default=0)
    repeat_index = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=16, choices=RunState.choices, default=RunState.ACTIVE)
    next_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(state="active"),
                name="one_active_escalation_per_incident",
            ),
            models.CheckConstraint(
                condition=~Q(state="active") | Q(next_at__isnull=False),
                name="active_escalation_has_deadline",
            ),
        ]
        indexes = [models.Index(fields=["state", "next_at"], name="escalation_run_due")]

    def __str__(self) -> str:
        return f"escalation of incident {self.incident_id} ({self.state})"


class StepState(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class PageStep(models.Model):
    """A delayed notification rule of one person paged by one level: due at `next_at`."""

    run = models.ForeignKey(EscalationRun, on_delete=models.CASCADE, related_name="page_steps")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(
        NotificationRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_method = models.ForeignKey(ContactMethod, on_delete=models.CASCADE, related_name="+")
    level_index = models.PositiveIntegerField()
    repeat_index = models.PositiveIntegerField()
    reason = models.CharField(max_length=255)
    idempotency_key = models.CharField(max_length=255, unique=True)
    state = models.CharField(max_length=16, choices=StepState.choices, default=StepState.PENDING)
    next_at = models.DateTimeField()

    class Meta:
        ordering = ["next_at", "id"]
        indexes = [models.Index(fields=["state", "next_at"], name="page_step_due")]

    def __str__(self) -> str:
        return f"page {self.user} via {self.contact_method} at {self.next_at:%H:%M:%S}"


class AcknowledgementTimer(models.Model):
    """An acknowledged incident's deadline (its severity's `ack_timeout`): still unresolved at
    `due_at`, it is triggered again and escalates from the first level. `due_at` is empty while
    the incident is not acknowledged or its severity has no timeout."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="acknowledgement_timer"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    armed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["due_at"], name="ack_timer_due")]

    def __str__(self) -> str:
        return f"acknowledgement timeout of incident {self.incident_id}"
