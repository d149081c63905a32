"""Runbooks and their versions, what they are linked to, and the steps ticked on incidents.

A runbook's steps are the numbered items of its Markdown body (`steps.py`). It is linked to
services, to alert names and to routing rules; how an incident finds its runbook is
`selectors.runbook_for`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tocsin.alerting.models import RoutingRule
from tocsin.incidents.models import Incident, Service


class Runbook(models.Model):
    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    body = models.TextField(help_text="Markdown; its numbered list items are the steps.")
    services = models.ManyToManyField(Service, blank=True, related_name="runbooks")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="runbook_slug_not_empty"),
            models.CheckConstraint(condition=Q(name__regex=r"\S"), name="runbook_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def version(self) -> int:
        latest = self.versions.order_by("-number").first()
        return latest.number if latest else 0


class RunbookVersion(models.Model):
    """Kept on every edit that changes the name or the body: who, when, and the unified diff
    from the version before (the first version's diff is from nothing)."""

    runbook = models.ForeignKey(Runbook, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=150)
    body = models.TextField()
    diff = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    author_name = models.CharField(max_length=150, help_text="Kept even if the user is removed.")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["runbook", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["runbook", "number"], name="runbook_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="runbook_version_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.runbook} v{self.number}"


class RunbookAlert(models.Model):
    """An alert name (Alertmanager's `alertname`, or the alert's summary) this runbook is for;
    an alert name has one runbook."""

    runbook = models.ForeignKey(Runbook, on_delete=models.CASCADE, related_name="alerts")
    alert_name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["alert_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(alert_name__regex=r"\S"), name="runbook_alert_name_not_blank"
            )
        ]

    def __str__(self) -> str:
        return f"{self.alert_name} → {self.runbook}"


class RuleRunbook(models.Model):
    """The routing rule's runbook when it is one of Tocsin's (instead of its external
    `runbook_url`, which linking clears)."""

    rule = models.OneToOneField(RoutingRule, on_delete=models.CASCADE, related_name="runbook_link")
    runbook = models.ForeignKey(Runbook, on_delete=models.CASCADE, related_name="rule_links")

    def __str__(self) -> str:
        return f"{self.rule} → {self.runbook}"


class StepTick(models.Model):
    """One step of a runbook done on one incident: ticked once, by whom and when."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="runbook_ticks")
    runbook = models.ForeignKey(Runbook, on_delete=models.CASCADE, related_name="ticks")
    step = models.PositiveIntegerField(help_text="From 1, as the runbook numbers it.")
    text = models.TextField(help_text="The step as it read when it was ticked.")
    version = models.PositiveIntegerField(help_text="The runbook's version when it was ticked.")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    by_name = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["incident", "runbook", "step"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "runbook", "step"], name="runbook_step_ticked_once"
            ),
            models.CheckConstraint(condition=Q(step__gte=1), name="runbook_step_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.incident.reference} {self.runbook} step {self.step}"
