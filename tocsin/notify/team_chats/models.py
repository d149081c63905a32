"""A team's group chats (Telegram groups, Slack channels), and the kinds of chat Tocsin speaks."""

from django.db import models
from django.utils import timezone


class ChatKind(models.TextChoices):
    TELEGRAM = "telegram", "Telegram"
    SLACK = "slack", "Slack"


class ChatChannel(models.Model):
    """A team's group chat (a Telegram group, a Slack channel) that follows its incidents.

    Every incident of the team is posted there with its buttons, and that message is edited in
    place whenever the incident changes, so it always shows the truth.
    """

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="chats")
    kind = models.CharField(max_length=16, choices=ChatKind.choices)
    chat_id = models.CharField(
        max_length=64,
        help_text="Telegram: the group's chat id (-100…). Slack: the channel id (C…).",
    )
    name = models.CharField(max_length=100, blank=True, help_text="How people know the chat.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "kind", "chat_id"], name="chat_channel_unique_in_team"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name or self.chat_id}"
