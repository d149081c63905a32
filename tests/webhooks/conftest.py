"""Fixtures: a real receiver on 127.0.0.1 that verifies signatures, and webhooks pointing at it."""

import pytest

from tests.support.fakes.webhook_receiver import Receiver
from tests.support.web import BASE_URL
from tocsin.incidents.models import Channel
from tocsin.incidents.services import declare
from tocsin.webhooks.services import create_webhook


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = BASE_URL


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def hook(receiver, admin):
    """hook(path, team=None, events=None, by=admin) -> a webhook POSTing to the receiver at
    `path`, whose secret the receiver knows."""

    def make(path="/hooks", *, team=None, events=None, by=None, name=None):
        webhook = create_webhook(
            team=team,
            name=name or path.strip("/") or "root",
            url=receiver.url(path),
            events=events,
            by=by or admin,
        )
        receiver.secrets[path] = webhook.secret
        return webhook

    return make


@pytest.fixture
def new_incident(payments, lead, p1, checkout):
    """new_incident(team=payments) -> 'Checkout returns 502', P1, declared by the lead; call it
    after creating the webhooks that should hear about it."""

    def make(team=None, by=None, title="Checkout returns 502"):
        return declare(
            title=title,
            severity=p1,
            team=team or payments,
            by=by or lead,
            via=Channel.WEB,
            services=[checkout] if team in (None, payments) else [],
        )

    return make
