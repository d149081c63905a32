"""Situation reports, one per incident, and the stakeholders they are e-mailed to."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SituationReport(models.Model):
    """The summary of a resolved incident; regenerating it rewrites it and counts up."""

    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="situation_report"
    )
    generation = models.PositiveIntegerField(
        default=1, help_text="1 when first generated, one more each time it is regenerated."
    )
    markdown = models.TextField(help_text="The report as it reads, in Markdown.")
    facts = models.JSONField(default=dict, help_text="The answers the report is written from.")
    drill = models.BooleanField(default=False, help_text="The report of a practice incident.")
    generated_at = models.DateTimeField(default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(generation__gte=1), name="situation_report_generation_from_one"
            ),
        ]

    def __str__(self) -> str:
        return f"Situation report of {self.incident.reference} (generation {self.generation})"


class Stakeholder(models.Model):
    """Someone told about a team's incidents, or about one incident: a person or an address."""

    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stakeholders",
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stakeholders",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stakeholdings",
    )
    email = models.EmailField(blank=True, help_text="An address, kept in lower case.")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(team__isnull=False) & Q(incident__isnull=True))
                | (Q(team__isnull=True) & Q(incident__isnull=False)),
                name="stakeholder_of_a_team_or_an_incident",
            ),
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(email=""))
                | (Q(user__isnull=True) & ~Q(email="")),
                name="stakeholder_is_a_person_or_an_address",
            ),
            models.UniqueConstraint(
                fields=["team", "user"],
                condition=Q(team__isnull=False, user__isnull=False),
                name="stakeholder_person_once_per_team",
            ),
            models.UniqueConstraint(
                fields=["team", "email"],
                condition=Q(team__isnull=False) & ~Q(email=""),
                name="stakeholder_address_once_per_team",
            ),
            models.UniqueConstraint(
                fields=["incident", "user"],
                condition=Q(incident__isnull=False, user__isnull=False),
                name="stakeholder_person_once_per_incident",
            ),
            models.UniqueConstraint(
                fields=["incident", "email"],
                condition=Q(incident__isnull=False) & ~Q(email=""),
                name="stakeholder_address_once_per_incident",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user) if self.user_id else self.email

    @property
    def address(self) -> str:
        """Where the report goes: the person's sign-in address, or the address itself."""
        return (self.user.email if self.user_id else self.email).lower()
