"""Reads about webhooks that the API and the web pages share."""

from django.db.models import F, Q, QuerySet

from tocsin.accounts.models import MembershipRole, User
from tocsin.notify.models import OutboxChannel, OutboxMessage

from .models import Webhook


def managed_by(user: User) -> QuerySet[Webhook]:
    """The webhooks `user` may see and change: all for admins, their teams' for leads.

    Instance-wide ones first, then by team and name.
    """
    webhooks = Webhook.objects.select_related("team").order_by(
        F("team__name").asc(nulls_first=True), "name", "id"
    )
    if user.is_admin:
        return webhooks
    return webhooks.filter(
        Q(team__memberships__user=user) & Q(team__memberships__role=MembershipRole.LEAD)
    )


def deliveries(webhook: Webhook) -> QuerySet[OutboxMessage]:
    """Its outbox messages, newest first: the delivery log."""
    return (
        OutboxMessage.objects.filter(channel=OutboxChannel.WEBHOOK, data__webhook=webhook.pk)
        .select_related("incident")
        .order_by("-created_at", "-id")
    )
