"""Hot fixes: the urgent change that fixed an incident, where it went, and the branches it must
be merged back into (its merge-back targets), each done or not yet."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

HTTP = Q(change_url__startswith="http://") | Q(change_url__startswith="https://")


class HotFix(models.Model):
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="hot_fixes"
    )
    change_url = models.URLField(
        max_length=500, help_text="The change itself: a pull or merge request, a commit."
    )
    branch = models.CharField(max_length=200, help_text="The branch it went to, e.g. main.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hot_fixes"
    )
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hot_fixes_recorded",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The last day its owner was reminded of the merge-backs still to do (one a day at most).
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "hot fix"
        verbose_name_plural = "hot fixes"
        constraints = [
            models.CheckConstraint(condition=HTTP, name="hot_fix_change_url_is_http"),
            models.CheckConstraint(condition=Q(branch__regex=r"\S"), name="hot_fix_branch_named"),
        ]

    def __str__(self) -> str:
        return f"{self.change_url} on {self.branch}"

    @property
    def is_unmerged(self) -> bool:
        """Some merge-back is not done yet (a hot fix without targets never is)."""
        return any(not target.done for target in self.targets.all())


class MergeBack(models.Model):
    """One branch a hot fix must be merged back into, e.g. release/2.3: done once someone says
    it is merged, with who, when, and optionally the merge's own change."""

    hot_fix = models.ForeignKey(HotFix, on_delete=models.CASCADE, related_name="targets")
    branch = models.CharField(max_length=200)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    link = models.URLField(max_length=500, blank=True, help_text="The merge-back's own change.")

    class Meta:
        ordering = ["hot_fix", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hot_fix", "branch"], name="hot_fix_merge_back_branch_once"
            ),
            models.CheckConstraint(
                condition=Q(branch__regex=r"\S"), name="hot_fix_merge_back_branch_named"
            ),
            models.CheckConstraint(
                condition=Q(done=True, done_at__isnull=False) | Q(done=False, done_at__isnull=True),
                name="hot_fix_merge_back_done_has_time",
            ),
            models.CheckConstraint(
                condition=Q(link="")
                | Q(link__startswith="http://")
                | Q(link__startswith="https://"),
                name="hot_fix_merge_back_link_is_http",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.branch} ({'done' if self.done else 'to do'})"
