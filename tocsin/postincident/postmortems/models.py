"""Post-mortems, their sections, the template they start from, reviews and comments."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class PostmortemTemplate(models.Model):
    """The sections a new post-mortem starts with; one row, edited by admins."""

    name = models.CharField(max_length=100, unique=True, default="Default")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class TemplateSection(models.Model):
    template = models.ForeignKey(
        PostmortemTemplate, on_delete=models.CASCADE, related_name="sections"
    )
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=100)
    guidance = models.TextField(blank=True, help_text="What the section should say.")

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "position"], name="one_template_section_per_position"
            ),
            models.UniqueConstraint(
                fields=["template", "title"], name="template_section_titles_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class RequiredApprovals(models.Model):
    """A severity's own number of approvals, instead of TOCSIN_POSTMORTEM_APPROVALS."""

    severity = models.OneToOneField(
        "incidents.Severity", on_delete=models.CASCADE, related_name="postmortem_approvals"
    )
    approvals = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name_plural = "required approvals"
        constraints = [
            models.CheckConstraint(
                condition=Q(approvals__gte=1) & Q(approvals__lte=20),
                name="required_approvals_between_1_and_20",
            )
        ]

    def __str__(self) -> str:
        return f"{self.severity}: {self.approvals}"


class PostmortemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"


class Postmortem(models.Model):
    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.CASCADE, related_name="postmortem"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="postmortems_written",
    )
    due_on = models.DateField()
    status = models.CharField(
        max_length=20, choices=PostmortemStatus.choices, default=PostmortemStatus.DRAFT
    )
    # Snapshotted when the post-mortem is made, so changing the setting later changes no
    # review under way.
    approvals_required = models.PositiveSmallIntegerField()
    # Requesting changes starts a new round: approvals of earlier rounds no longer count.
    review_round = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Where the published file went: a path in TOCSIN_POSTMORTEM_DIR, or a branch and commit.
    exported_path = models.CharField(max_length=500, blank=True)
    exported_branch = models.CharField(max_length=255, blank=True)
    exported_commit = models.CharField(max_length=64, blank=True)
    # The last day an overdue-draft reminder went out (one a day at most).
    reminded_on = models.DateField(null=True, blank=True)
    # Why it was published without any action item (tocsin/postincident/actions/).
    no_action_items_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approvals_required__gte=1), name="postmortem_needs_an_approval"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="postmortem_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Post-mortem of {self.incident.reference}"

    @property
    def is_published(self) -> bool:
        return self.status == PostmortemStatus.PUBLISHED


class Section(models.Model):
    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=100)
    guidance = models.TextField(blank=True)
    body = models.TextField(blank=True, help_text="Markdown.")

    class Meta:
        ordering = ["postmortem", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem", "position"], name="one_postmortem_section_per_position"
            ),
            models.UniqueConstraint(
                fields=["postmortem", "title"], name="postmortem_section_titles_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ReviewRequest(models.Model):
    """A person asked to review; only they review."""

    postmortem = models.ForeignKey(
        Postmortem, on_delete=models.CASCADE, related_name="review_requests"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="postmortem_reviews"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    # The last day a pending-review reminder went out (one a day at most).
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem", "reviewer"], name="one_review_request_per_reviewer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} asked to review {self.postmortem}"


class Verdict(models.TextChoices):
    APPROVE = "approve", "Approved"
    REQUEST_CHANGES = "request_changes", "Changes requested"


class Review(models.Model):
    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    comment = models.TextField(blank=True)
    review_round = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["postmortem", "reviewer", "review_round"],
                condition=Q(verdict="approve"),
                name="one_approval_per_reviewer_per_round",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} by {self.reviewer}"


class SectionComment(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.author} on {self.section}"
