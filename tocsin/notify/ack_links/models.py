"""The acknowledge links already used: each works once."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AcknowledgeLinkUse(models.Model):
    """An acknowledge link that has been confirmed once; its id may never be confirmed again."""

    link_id = models.CharField(max_length=64, unique=True)
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-used_at"]

    def __str__(self) -> str:
        return f"link {self.link_id} used by {self.user} at {self.used_at:%Y-%m-%d %H:%M}"
