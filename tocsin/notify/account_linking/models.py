"""One-time codes that link a person's chat account to them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tocsin.notify.team_chats.models import ChatKind


class ChatLinkCode(models.Model):
    """A one-time code that links a person's chat account to them (`/start CODE` to the bot).

    Only its hash is stored; it is valid for a few minutes and once.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_link_codes"
    )
    kind = models.CharField(max_length=16, choices=ChatKind.choices)
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.CharField(
        max_length=64, blank=True, help_text="The chat account that used it (a Telegram user id)."
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} link code for {self.user}"
