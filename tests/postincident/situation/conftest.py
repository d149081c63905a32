"""Fixtures: Tocsin's public address, the fake Telegram and Slack with a Payments chat in each,
a P3 incident of Payments (it pages no one, so the outbox holds what the report sends), and the
stakeholders of the specification. The real SMTP server is the `smtp` fixture of
tests/conftest.py."""

from contextlib import contextmanager

import pytest

from tests.support import slack as slack_support
from tests.support import telegram as telegram_support
from tests.support.fakes.slack import FakeSlack
from tests.support.fakes.telegram import FakeTelegram
from tests.support.people import person
from tests.support.web import BASE_URL
from tocsin.incidents.models import Channel, TimelineEvent
from tocsin.incidents.services import declare
from tocsin.notify.models import OutboxMessage
from tocsin.notify.team_chats.models import ChatChannel
from tocsin.postincident.situation.models import SituationReport, Stakeholder


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = BASE_URL


@pytest.fixture
def telegram(settings):
    fake = FakeTelegram().start()
    settings.TELEGRAM_BOT_TOKEN = fake.token
    settings.TELEGRAM_API_URL = fake.url
    settings.TELEGRAM_WEBHOOK_SECRET = telegram_support.SECRET
    yield fake
    fake.stop()


@pytest.fixture
def slack(settings):
    fake = FakeSlack().start()
    settings.SLACK_BOT_TOKEN = fake.token
    settings.SLACK_SIGNING_SECRET = slack_support.SECRET
    settings.SLACK_API_URL = fake.api_url
    yield fake
    fake.stop()


@pytest.fixture
def group(payments):
    """Payments' Telegram group."""
    return ChatChannel.objects.create(
        team=payments, kind="telegram", chat_id=telegram_support.GROUP_ID, name="#payments"
    )


@pytest.fixture
def room(payments):
    """Payments' Slack channel."""
    return ChatChannel.objects.create(
        team=payments, kind="slack", chat_id=slack_support.CHANNEL, name="#payments-incidents"
    )


@pytest.fixture
def outage(payments, lead, p3, checkout):
    """ "Checkout returns 502", P3 for Payments, declared by Alice (its commander)."""
    return declare(
        title="Checkout returns 502",
        severity=p3,
        team=payments,
        by=lead,
        via=Channel.WEB,
        services=[checkout],
        impact_who="Shoppers in the EU",
        impact_how="Card payments failed at checkout",
    )


@pytest.fixture
def dana(db):
    """Dana, head of support: a person of this Tocsin, in no team."""
    return person("dana@example.com", "Dana Support")


@pytest.fixture
def stakeholders(payments, outage, dana, lead):
    """Payments tells Dana and the CFO's address; this incident adds the CFO again and the
    press office."""
    return [
        Stakeholder.objects.create(team=payments, user=dana, added_by=lead),
        Stakeholder.objects.create(team=payments, email="cfo@example.com", added_by=lead),
        Stakeholder.objects.create(incident=outage, email="cfo@example.com", added_by=lead),
        Stakeholder.objects.create(incident=outage, email="press@example.org", added_by=lead),
    ]


def _counts(incident):
    situation = SituationReport.objects.filter(incident=incident).first()
    return {
        "stakeholders": list(Stakeholder.objects.order_by("id").values_list("id", "email")),
        "generation": situation.generation if situation else None,
        "outbox": OutboxMessage.objects.count(),
        "timeline": TimelineEvent.objects.count(),
    }


@pytest.fixture
def unchanged():
    """`with unchanged(incident):` the block adds no stakeholder, rewrites no report, queues
    nothing and records nothing."""

    @contextmanager
    def check(incident):
        before = _counts(incident)
        yield
        assert _counts(incident) == before

    return check
