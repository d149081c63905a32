"""Fixtures: Tocsin's public address for the links it sends, queued page e-mails, what the
delivery loop announced as failed, and the fake Telegram and Slack with a team chat in each.

The SMTP server that collects what Tocsin sends is the `smtp` fixture of tests/conftest.py.
"""

import pytest
from django.db import transaction

from tests.support import slack as slack_support
from tests.support import telegram as telegram_support
from tests.support.fakes.slack import FakeSlack
from tests.support.fakes.telegram import FakeTelegram
from tests.support.people import email_method
from tests.support.web import BASE_URL
from tocsin.notify.delivery.signals import delivery_failed
from tocsin.notify.emails.services import enqueue_page_email
from tocsin.notify.team_chats.models import ChatChannel


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = BASE_URL


@pytest.fixture
def page():
    """page(incident, user, address=None, key=None) -> the queued page e-mail."""

    def make(incident, user, address=None, key=None):
        method = email_method(user, address)
        with transaction.atomic():
            return enqueue_page_email(
                incident,
                user,
                method,
                reason="on call for Payments primary (level 1 of Payments default)",
                idempotency_key=key or f"page:{incident.pk}:{user.pk}:{method.pk}",
            )

    return make


@pytest.fixture
def failures():
    """Every delivery_failed announcement, as (message, reason)."""
    seen = []

    def receiver(sender, message, reason, **kwargs):
        seen.append((message, reason))

    delivery_failed.connect(receiver)
    yield seen
    delivery_failed.disconnect(receiver)


# --- Telegram ----------------------------------------------------------------------------------


@pytest.fixture
def telegram(settings):
    """The fake Bot API, with Tocsin's bot token, API URL and webhook secret pointing at it."""
    fake = FakeTelegram().start()
    settings.TELEGRAM_BOT_TOKEN = fake.token
    settings.TELEGRAM_API_URL = fake.url
    settings.TELEGRAM_WEBHOOK_SECRET = telegram_support.SECRET
    yield fake
    fake.stop()


@pytest.fixture
def group(payments):
    """Payments' Telegram group."""
    return ChatChannel.objects.create(
        team=payments,
        kind="telegram",
        chat_id=telegram_support.GROUP_ID,
        name="#payments-incidents",
    )


@pytest.fixture
def bob_linked(member):
    """Bob linked his Telegram account."""
    return telegram_support.link(member, telegram_support.BOB_TELEGRAM, "bob")


# --- Slack -------------------------------------------------------------------------------------


@pytest.fixture
def slack(settings):
    """The fake Slack, with Tocsin's bot token, signing secret and API URL pointing at it."""
    fake = FakeSlack().start()
    settings.SLACK_BOT_TOKEN = fake.token
    settings.SLACK_SIGNING_SECRET = slack_support.SECRET
    settings.SLACK_API_URL = fake.api_url
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    yield fake
    fake.stop()


@pytest.fixture
def room(payments):
    """Payments' Slack channel."""
    return ChatChannel.objects.create(
        team=payments, kind="slack", chat_id=slack_support.CHANNEL, name="#payments-incidents"
    )


@pytest.fixture
def incident(policy, incident):
    """The shared P1, declared for a Payments that has an escalation policy: nothing is queued
    until the engine runs, so each test's outbox holds only what it queues itself."""
    return incident
