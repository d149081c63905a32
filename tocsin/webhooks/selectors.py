"""Reads about webhooks that the API and the web pages share."""

from django.db.models import F, QuerySet

from tocsin.accounts.models import User
from tocsin.accounts.permissions import may_manage_webhooks, teams_managed_by
from tocsin.notify.models import OutboxChannel, OutboxMessage

from .models import Webhook


def managed_by(user: User) -> QuerySet[Webhook]:
    """The webhooks `user` may see and change: all for admins, their teams' for who manages them.

    Instance-wide ones first, then by team and name.
    """
    webhooks = Webhook.objects.select_related("team").order_by(
        F("team__name").asc(nulls_first=True), "name", "id"
    )
    if may_manage_webhooks(None, user):
        return webhooks
    return webhooks.filter(team__in=teams_managed_by(user))


def deliveries(webhook: Webhook) -> QuerySet[OutboxMessage]:
    """Its outbox messages, newest first: the delivery log."""
    return (
        OutboxMessage.objects.filter(channel=OutboxChannel.WEBHOOK, data__webhook=webhook.pk)
        .select_related("incident")
        .prefetch_related("webhook_attempts")
        .order_by("-created_at", "-id")
    )
