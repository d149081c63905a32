"""Delivery lanes: which outbox messages are sent by which of a worker's delivery threads.

A responder waits for a page or a chat card; nobody waits, to the second, for a webhook or the
team's mailing list. Each lane has threads of its own in every worker (tocsin/notify/tasks.py),
so a destination that is slow or dead holds up only its own lane:

- `pages`: every page, whatever its channel, and everything sent to a chat (cards, their
  edits, replies in their threads);
- `team`: e-mail to a team's list (notifications, resolutions and changes), and the status
  page's e-mail to its subscribers (bulk: thousands at once, never ahead of a page);
- `webhooks`: webhook deliveries (the status page's webhook subscribers' too), which also go
  one at a time to each webhook.

This module is the one place that says which lane a message is in: `lane_of` for a message in
hand, `in_lane` for the database's filter; tests/notify/delivery/test_lanes.py checks they agree
on every purpose and channel.
"""

from django.db import models
from django.db.models import Q

from tocsin.notify.outbox.models import OutboxChannel, Purpose

CHAT_CHANNELS = (OutboxChannel.TELEGRAM, OutboxChannel.SLACK)


class Lane(models.TextChoices):
    PAGES = "pages", "Pages and chats"
    TEAM = "team", "Team e-mail"
    WEBHOOKS = "webhooks", "Webhooks"


def lane_of(*, purpose: str, channel: str) -> Lane:
    if channel == OutboxChannel.WEBHOOK or purpose == Purpose.WEBHOOK:
        return Lane.WEBHOOKS
    if purpose == Purpose.PAGE or channel in CHAT_CHANNELS:
        return Lane.PAGES
    return Lane.TEAM


def in_lane(lane: Lane | str) -> Q:
    """The filter on OutboxMessage for the messages in `lane`."""
    webhooks = Q(channel=OutboxChannel.WEBHOOK) | Q(purpose=Purpose.WEBHOOK)
    pages = ~webhooks & (Q(purpose=Purpose.PAGE) | Q(channel__in=CHAT_CHANNELS))
    return {
        Lane.WEBHOOKS: webhooks,
        Lane.PAGES: pages,
        Lane.TEAM: ~webhooks & ~pages,
    }[Lane(lane)]
