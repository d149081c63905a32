"""Action items: what must be done after an incident so it does not happen again."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ActionKind(models.TextChoices):
    PREVENT = "prevent", "Prevent"
    MITIGATE = "mitigate", "Mitigate"
    DETECT = "detect", "Detect"
    PROCESS = "process", "Process"
    ADD_RUNBOOK = "add_runbook", "Add runbook"
    UPDATE_RUNBOOK = "update_runbook", "Update runbook"


RUNBOOK_KINDS = {ActionKind.ADD_RUNBOOK, ActionKind.UPDATE_RUNBOOK}


class ActionPriority(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    WONT_DO = "wont_do", "Won't do"


OPEN_STATUSES = {ActionStatus.OPEN, ActionStatus.IN_PROGRESS}


class ActionItem(models.Model):
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="action_items"
    )
    postmortem = models.ForeignKey(
        "postincident.Postmortem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
    )
    kind = models.CharField(max_length=20, choices=ActionKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_items"
    )
    due_on = models.DateField()
    priority = models.CharField(
        max_length=10, choices=ActionPriority.choices, default=ActionPriority.MEDIUM
    )
    status = models.CharField(
        max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    wont_do_reason = models.TextField(blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    # Only for the runbook kinds: the runbook to update (to add: none yet, or the new one).
    runbook = models.ForeignKey(
        "runbooks.Runbook",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items_created",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    # The last day an overdue reminder went out (one a day at most).
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="action_item_has_a_title"),
            models.CheckConstraint(
                condition=~Q(status="wont_do") | ~Q(wont_do_reason=""),
                name="action_item_wont_do_has_a_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="done", done_at__isnull=False)
                | (~Q(status="done") & Q(done_at__isnull=True)),
                name="action_item_done_has_time",
            ),
            models.CheckConstraint(
                condition=Q(runbook__isnull=True) | Q(kind__in=["add_runbook", "update_runbook"]),
                name="action_item_runbook_only_for_runbook_kinds",
            ),
            models.CheckConstraint(
                condition=Q(external_url="")
                | Q(external_url__startswith="http://")
                | Q(external_url__startswith="https://"),
                name="action_item_external_url_is_http",
            ),
        ]
        indexes = [models.Index(fields=["owner", "status"], name="action_item_owner_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.due_on < (today or timezone.now().date())
