"""The outbox (one row per outbound delivery) and the acknowledge links already used."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    TELEGRAM = "telegram", "Telegram"
    SLACK = "slack", "Slack"
    WEBHOOK = "webhook", "Webhook"


class Purpose(models.TextChoices):
    PAGE = "page", "Page"
    TEAM_NOTIFICATION = "team_notification", "Team notification"
    RESOLUTION = "resolution", "Resolution notice"
    CHAT_POST = "chat_post", "Chat post"
    CHAT_EDIT = "chat_edit", "Chat edit"
    WEBHOOK = "webhook", "Webhook event"


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboxMessage(models.Model):
    """One outbound delivery; written in the transaction that decided to send it.

    A worker claims it (state `sending`, `next_attempt_at` = the end of its lease), sends it
    outside any transaction, then marks it `sent`, or `pending` again with a later
    `next_attempt_at`, or `failed`. A `sending` row whose lease has run out belongs to a worker
    that died mid-send and is claimed again.
    """

    idempotency_key = models.CharField(
        max_length=255, help_text="The same key is never delivered twice."
    )
    channel = models.CharField(max_length=16, choices=OutboxChannel.choices)
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbox_messages",
        help_text="The person this is for; empty for a team list or a channel.",
    )
    address = models.CharField(max_length=255, help_text="E-mail address, chat id or URL.")
    subject = models.CharField(max_length=255, blank=True)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    state = models.CharField(
        max_length=16, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(
        max_length=255, blank=True, help_text="The Message-ID, or the chat's message id."
    )
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="outbox_idempotency_key"),
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False),
                name="outbox_sent_has_time",
            ),
        ]
        indexes = [
            # Claiming: WHERE state IN ('pending', 'sending') AND next_attempt_at <= now.
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} via {self.get_channel_display()} to {self.address}"


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
