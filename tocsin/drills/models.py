"""Drills: a team's scenarios (a synthetic alert of one of its integrations, with the severity
and service it should open), and each run of one, started now or at a scheduled time.

A run sends its scenario's payload through the integration's own parser and the real intake,
marked as a test, so the incident it opens is a drill (`Incident.drill`). The run finishes when
that incident is resolved, or is cancelled with it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tocsin.accounts.models import Team
from tocsin.alerting.models import Integration
from tocsin.incidents.models import Incident, Service, Severity


class Scenario(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="drill_scenarios")
    title = models.CharField(max_length=150)
    description = models.TextField(blank=True, help_text="What the drill practises; Markdown.")
    severity = models.ForeignKey(Severity, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    integration = models.ForeignKey(
        Integration,
        on_delete=models.PROTECT,
        related_name="drill_scenarios",
        help_text="One of the team's integrations: its parser reads the payload.",
    )
    payload = models.JSONField(help_text="A body that integration's source would send.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__name", "title"]
        constraints = [
            models.UniqueConstraint(fields=["team", "title"], name="drill_scenario_title_unique"),
            models.CheckConstraint(
                condition=Q(title__regex=r"\S"), name="drill_scenario_title_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RunStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    CANCELLED = "cancelled", "Cancelled"


class DrillRun(models.Model):
    """One drill: scheduled, running (its incident open), finished (resolved) or cancelled.

    `team` and `scenario_title` are kept so that the history and the comparison with earlier
    runs survive the scenario being deleted.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="drill_runs")
    scenario = models.ForeignKey(
        Scenario, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    scenario_title = models.CharField(max_length=150)
    status = models.CharField(max_length=16, choices=RunStatus.choices)
    scheduled_for = models.DateTimeField(null=True, blank=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who started it, or scheduled it.",
    )
    incident = models.OneToOneField(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="drill_run"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancel_reason = models.CharField(max_length=500, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="drill_run_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status=RunStatus.SCHEDULED)
                | Q(scheduled_for__isnull=False, started_at__isnull=True, incident__isnull=True),
                name="drill_run_scheduled_has_a_time_and_no_incident",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[RunStatus.RUNNING, RunStatus.FINISHED])
                | Q(started_at__isnull=False, incident__isnull=False),
                name="drill_run_started_has_an_incident",
            ),
            models.CheckConstraint(
                condition=~Q(status=RunStatus.FINISHED) | Q(finished_at__isnull=False),
                name="drill_run_finished_has_a_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=RunStatus.CANCELLED) | Q(cancelled_at__isnull=False),
                name="drill_run_cancelled_has_a_time",
            ),
            # One drill of a scenario at a time: a second start while one runs is refused.
            models.UniqueConstraint(
                fields=["scenario"],
                condition=Q(status=RunStatus.RUNNING),
                name="drill_run_one_running_per_scenario",
            ),
        ]

    def __str__(self) -> str:
        return f"Drill #{self.pk} {self.scenario_title}"

    @property
    def is_open(self) -> bool:
        return self.status in (RunStatus.SCHEDULED, RunStatus.RUNNING)
