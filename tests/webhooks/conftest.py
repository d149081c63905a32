"""Fixtures: a real receiver on 127.0.0.1 that verifies signatures, and webhooks pointing at it.

Tocsin refuses to send webhooks to internal addresses unless an admin allows them, so these
tests allow 127.0.0.0/8 (the receiver's) the way an admin would. Names resolve only through
`dns`, never through a real DNS server, and no test may connect anywhere but the loopback
address: a connection elsewhere fails the test.
"""

import ipaddress
import socket

import pytest

from tests.support.fakes.webhook_receiver import Receiver
from tests.support.web import BASE_URL
from tocsin.incidents.models import Channel
from tocsin.incidents.services import declare
from tocsin.webhooks.services import create_webhook


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = BASE_URL


@pytest.fixture(autouse=True)
def _the_receivers_network_is_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = ""
    settings.WEBHOOK_ALLOWED_NETWORKS = "127.0.0.0/8"


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """dns["hooks.test"] = ["127.0.0.1"] (or a function returning the list, asked each time the
    name is resolved). IP literals resolve to themselves; any other name does not resolve."""
    names: dict = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = (host.decode() if isinstance(host, bytes) else host or "").lower().rstrip(".")
        if name in names:
            answer = names[name]
            addresses = answer() if callable(answer) else answer
            number = int(port or 0)
            return [
                (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, number, 0, 0))
                if ":" in a
                else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, number))
                for a in addresses
            ]
        # Numeric only: a name nobody put in `dns` fails instead of reaching a DNS server.
        return real(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


@pytest.fixture(autouse=True)
def _only_loopback_is_ever_reached(monkeypatch):
    real = socket.socket.connect

    def connect(self, address):
        internet = self.family in (socket.AF_INET, socket.AF_INET6)
        if internet and not ipaddress.ip_address(address[0]).is_loopback:
            raise AssertionError(f"a test tried to connect to {address[0]}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


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


@pytest.fixture
def incident(policy, incident):
    """The shared P1, declared for a Payments that has an escalation policy: nothing is queued
    until the engine runs, so each test's outbox holds only what it queues itself."""
    return incident
