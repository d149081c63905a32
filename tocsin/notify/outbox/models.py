"""The outbox: one row per outbound delivery, whatever the channel."""

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
    # The status page's subscribers: what a page tells them, and their subscription's own
    # e-mails (confirm it, manage it).
    STATUS_UPDATE = "status_update", "Status page update"
    STATUS_SUBSCRIPTION = "status_subscription", "Status page subscription"


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    # An e-mail kept here, not sent, because no mail server is set up (TOCSIN_SMTP_HOST): it is
    # read on the Deliveries page. `sent_at` is when it was kept.
    KEPT = "kept", "Kept here"
    FAILED = "failed", "Failed"
    # A page whose incident no longer needed anyone (acknowledged, resolved, cancelled) before it
    # was sent; `last_error` says why. Only pages are ever dropped.
    DROPPED = "dropped", "Dropped"


class OutboxMessage(models.Model):
    """One outbound delivery; written in the transaction that decided to send it.

    A worker claims it (state `sending`, `next_attempt_at` = the end of its lease), sends it
    outside any transaction, then marks it `sent`, or `pending` again with a later
    `next_attempt_at`, or `failed`; a page whose incident no longer needs anyone is `dropped`;
    an e-mail with no mail server to go to is `kept`.
    A `sending` row whose lease has run out belongs to a worker that died mid-send and is
    claimed again.
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
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was sent, or kept here."
    )

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
