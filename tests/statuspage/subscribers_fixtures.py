"""What the subscriber tests share: the default page with Payments and Platform components,
published incidents written with the ORM, and reading the links out of received e-mails.

Imported by name into tests/statuspage/test_subscribers*.py.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.utils import timezone

from tests.support.mailbox import text_of
from tests.support.web import BASE_URL
from tocsin.statuspage.models import (
    Component,
    ComponentGroup,
    IncidentUpdate,
    Page,
    PublicIncident,
    Subscriber,
)
from tocsin.statuspage.subscribers import notify, services


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = BASE_URL


@pytest.fixture
def status_page(db) -> Page:
    """The default page, seeded by the migrations: /status/."""
    return Page.objects.get(is_default=True)


@pytest.fixture
def components(status_page) -> dict[str, Component]:
    """Checkout and Card processing under "Payments"; API and Web under "Platform"."""
    payments = ComponentGroup.objects.create(page=status_page, name="Payments", position=0)
    platform = ComponentGroup.objects.create(page=status_page, name="Platform", position=1)
    made = {}
    for position, (name, group) in enumerate(
        [
            ("Checkout", payments),
            ("Card processing", payments),
            ("API", platform),
            ("Web", platform),
        ]
    ):
        made[name] = Component.objects.create(
            page=status_page, group=group, name=name, position=position
        )
    return made


def publish(
    page,
    name,
    *,
    components=(),
    body="Investigating: some customers cannot pay",
    status="investigating",
    notify_subscribers=True,
    draft=False,
) -> IncidentUpdate:
    """A public incident with its first update, as the publishing services write them."""
    now = timezone.now()
    incident = PublicIncident.objects.create(
        page=page, name=name, status=status, published_at=None if draft else now
    )
    incident.components.set(components)
    return IncidentUpdate.objects.create(
        incident=incident,
        status=status,
        body=body,
        affected_components=[
            {"code": c.code, "name": c.name, "old_status": "operational", "new_status": c.status}
            for c in components
        ],
        notify_subscribers=notify_subscribers,
    )


def tell(update) -> int:
    """What the publishing service does in its transaction: tell the subscribers."""
    with transaction.atomic():
        return notify.incident_update_published(update)


def subscribed(page, email, components=(), *, confirmed=True) -> Subscriber:
    """An e-mail subscriber written directly (the flow itself is tested through the form)."""
    subscriber = Subscriber.objects.create(
        page=page, kind="email", email=email, confirmed_at=timezone.now() if confirmed else None
    )
    subscriber.components.set(components)
    return subscriber


def ask(page, email, components=(), ip="192.0.2.10") -> str:
    return services.subscribe_email(page=page, email=email, components=components, ip=ip)


def link_in(message, kind: str) -> str:
    """The path of the `kind` link (confirm, subscriptions, unsubscribe) in a received e-mail."""
    found = re.search(rf"{re.escape(BASE_URL)}/status/\S*?{kind}/[^\s\"<>]+", text_of(message))
    assert found, f"no {kind} link in the e-mail"
    return urlsplit(found.group(0)).path
