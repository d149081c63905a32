"""Delivery lanes: pages and chats, the team's e-mail and webhooks are claimed apart, so one
lane's slow destination never holds up another's messages."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tests.support.outbox import WORKER, queued_email
from tocsin.notify.delivery.claims import claim_due
from tocsin.notify.delivery.lanes import Lane, in_lane, lane_of
from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.models import OutboxChannel, OutboxMessage, OutboxState, Purpose
from tocsin.notify.outbox.services import enqueue

pytestmark = pytest.mark.django_db


def queued(key: str, *, channel: str, purpose: str, address: str = "") -> OutboxMessage:
    with transaction.atomic():
        return enqueue(
            idempotency_key=key,
            channel=channel,
            purpose=purpose,
            address=address or f"{channel} {key}",
            subject=key,
            body_text=key,
        )


def test_what_a_responder_waits_for_is_in_the_pages_lane():
    assert lane_of(purpose=Purpose.PAGE, channel=OutboxChannel.EMAIL) == Lane.PAGES
    assert lane_of(purpose=Purpose.PAGE, channel=OutboxChannel.TELEGRAM) == Lane.PAGES
    assert lane_of(purpose=Purpose.CHAT_POST, channel=OutboxChannel.SLACK) == Lane.PAGES
    assert lane_of(purpose=Purpose.CHAT_EDIT, channel=OutboxChannel.TELEGRAM) == Lane.PAGES
    assert lane_of(purpose=Purpose.TEAM_NOTIFICATION, channel=OutboxChannel.EMAIL) == Lane.TEAM
    assert lane_of(purpose=Purpose.RESOLUTION, channel=OutboxChannel.EMAIL) == Lane.TEAM
    assert lane_of(purpose=Purpose.WEBHOOK, channel=OutboxChannel.WEBHOOK) == Lane.WEBHOOKS


def test_the_status_pages_bulk_email_is_in_the_team_lane_and_its_webhooks_in_theirs():
    for purpose in (Purpose.STATUS_UPDATE, Purpose.STATUS_SUBSCRIPTION):
        assert lane_of(purpose=purpose, channel=OutboxChannel.EMAIL) == Lane.TEAM
    assert lane_of(purpose=Purpose.STATUS_UPDATE, channel=OutboxChannel.WEBHOOK) == Lane.WEBHOOKS


def test_the_database_filter_agrees_with_lane_of_on_every_purpose_and_channel():
    for channel in OutboxChannel.values:
        for purpose in Purpose.values:
            queued(f"{channel}-{purpose}", channel=channel, purpose=purpose)
    for lane in Lane:
        in_the_lane = set(OutboxMessage.objects.filter(in_lane(lane)).values_list("pk", flat=True))
        expected = {
            m.pk
            for m in OutboxMessage.objects.all()
            if lane_of(purpose=m.purpose, channel=m.channel) == lane
        }
        assert in_the_lane == expected, lane
    assert OutboxMessage.objects.count() == len(OutboxChannel) * len(Purpose)


def test_a_claim_in_one_lane_takes_none_of_the_others_messages(settings):
    settings.TELEGRAM_BOT_TOKEN = "123:abc"  # every channel has a sender
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    page = queued("page", channel=OutboxChannel.EMAIL, purpose=Purpose.PAGE)
    card = queued("card", channel=OutboxChannel.TELEGRAM, purpose=Purpose.CHAT_POST)
    team = queued("team", channel=OutboxChannel.EMAIL, purpose=Purpose.TEAM_NOTIFICATION)
    hook = queued("hook", channel=OutboxChannel.WEBHOOK, purpose=Purpose.WEBHOOK)
    now = timezone.now()

    def claim(lane):
        return {m.pk for m in claim_due(now=now, limit=50, worker_id=WORKER, lane=lane)}

    assert claim(Lane.WEBHOOKS) == {hook.pk}
    assert claim(Lane.PAGES) == {page.pk, card.pk}
    assert claim(Lane.TEAM) == {team.pk}
    assert claim(Lane.PAGES) | claim(Lane.TEAM) | claim(Lane.WEBHOOKS) == set()


def test_the_webhooks_lane_sends_to_one_webhook_at_a_time():
    first = [
        queued(f"a{n}", channel="webhook", purpose="webhook", address="webhook 1") for n in range(3)
    ]
    second = queued("b", channel="webhook", purpose="webhook", address="webhook 2")
    now = timezone.now()

    def claim():
        return [m.pk for m in claim_due(now=now, limit=50, worker_id=WORKER, lane=Lane.WEBHOOKS)]

    assert claim() == [m.pk for m in first]  # one destination's messages, in order
    assert claim() == [second.pk]  # webhook 1 is in flight: the next claim takes webhook 2
    queued("a-late", channel="webhook", purpose="webhook", address="webhook 1")
    assert claim() == []  # still in flight: nothing more for webhook 1

    # Its lease ran out (the worker died): webhook 1 is free again, the old claims with it.
    later = now + timedelta(minutes=5)
    again = claim_due(now=later, limit=50, worker_id=WORKER, lane=Lane.WEBHOOKS)
    assert {m.address for m in again} == {"webhook 1"} and len(again) == 4


def test_a_round_in_the_pages_lane_sends_the_page_and_leaves_the_team_mail(
    smtp, incident, member, page
):
    team = queued_email("team", "payments@example.com")
    sent = page(incident, member)

    report = deliver_due(worker_id=WORKER, lane=Lane.PAGES)

    assert (report.claimed, report.sent) == (1, 1)
    assert OutboxMessage.objects.get(pk=sent.pk).state == OutboxState.SENT
    assert OutboxMessage.objects.get(pk=team.pk).state == OutboxState.PENDING
    assert [m["To"] for m in smtp.messages] == [sent.address]
