"""The status page of the specification: the default page, Payments' and Platform's
components in their groups, and what the services told subscribers and the snapshot."""

import pytest

from tocsin.incidents.models import Service
from tocsin.statuspage import services
from tocsin.statuspage.models import Page


@pytest.fixture
def page(db) -> Page:
    """The default page ("Status", at /status/), seeded by a migration."""
    page = Page.objects.filter(is_default=True).first()
    if page is None:  # a transactional test flushed it
        page = Page.objects.create(slug="public", name="Status", is_default=True)
    return page


@pytest.fixture
def card_processing(payments) -> Service:
    return Service.objects.create(name="Card processing", slug="card-processing", team=payments)


@pytest.fixture
def api_service(platform) -> Service:
    return Service.objects.create(name="Public API", slug="api", team=platform)


@pytest.fixture
def payments_group(page, admin):
    return services.create_group(page=page, name="Payments", by=admin)


@pytest.fixture
def platform_group(page, admin):
    return services.create_group(page=page, name="Platform", by=admin)


@pytest.fixture
def checkout_component(page, admin, payments_group, checkout):
    """ "Checkout", in the Payments group, showing the Checkout service."""
    return services.create_component(
        page=page, name="Checkout", group=payments_group, services=[checkout], by=admin
    )


@pytest.fixture
def card_component(page, admin, payments_group, card_processing):
    return services.create_component(
        page=page,
        name="Card processing",
        group=payments_group,
        services=[card_processing],
        by=admin,
    )


@pytest.fixture
def api_component(page, admin, platform_group, api_service):
    return services.create_component(
        page=page, name="API", group=platform_group, services=[api_service], by=admin
    )


@pytest.fixture
def subscribers(page, checkout_component):
    """Two e-mail subscribers: one confirmed, of Checkout, whose address a spreadsheet would run
    as a formula (returned); one still waiting to confirm."""
    from tests.support.clock import utc
    from tocsin.statuspage.models import Subscriber

    confirmed = Subscriber.objects.create(
        page=page, kind="email", email="=cmd@example.net", confirmed_at=utc(2026, 1, 2)
    )
    confirmed.components.set([checkout_component])
    Subscriber.objects.create(page=page, kind="email", email="waiting@example.net")
    return confirmed


class Told:
    """What the services asked the subscribers' side to send, in order."""

    def __init__(self):
        self.updates = []
        self.maintenance = []

    def incident_update_published(self, update):
        self.updates.append(update)
        return 0

    def maintenance_announced(self, maintenance, *, what, update=None):
        self.maintenance.append((maintenance.name, what, update.body if update else None))
        return 0


@pytest.fixture
def told(monkeypatch) -> Told:
    from tocsin.statuspage.subscribers import notify

    told = Told()
    monkeypatch.setattr(notify, "incident_update_published", told.incident_update_published)
    monkeypatch.setattr(notify, "maintenance_announced", told.maintenance_announced)
    return told


@pytest.fixture
def rerendered(monkeypatch) -> list:
    """The pages whose snapshots were asked to be rendered again (on commit), in order."""
    from tocsin.statuspage import snapshot

    pages = []
    monkeypatch.setattr(snapshot, "rerender_on_commit", lambda page: pages.append(page.slug))
    return pages


@pytest.fixture
def inc_12_published(page, lead, incident, checkout_component, told):
    """INC-12 published: "Checkout returns errors", Checkout in partial outage."""
    from tocsin.statuspage.models import ComponentStatus, IncidentStatus
    from tocsin.statuspage.snapshot import render_page

    public = services.publish(
        page=page,
        by=lead,
        name="Checkout returns errors",
        status=IncidentStatus.INVESTIGATING,
        body="Some customers **cannot** pay. <script>alert(1)</script>",
        component_statuses={checkout_component: ComponentStatus.PARTIAL_OUTAGE},
        incident=incident,
    )
    render_page(page.pk)
    return public


@pytest.fixture
def card_upgrade(page, admin, card_component, told):
    """A maintenance on Card processing in three days, an hour long."""
    from datetime import timedelta

    from django.utils import timezone

    from tocsin.statuspage.snapshot import render_page

    start = timezone.now() + timedelta(days=3)
    maintenance = services.schedule(
        page=page,
        by=admin,
        name="Card processor upgrade",
        scheduled_for=start,
        scheduled_until=start + timedelta(hours=1),
        components=[card_component],
        body="Payments may be slow.",
    )
    render_page(page.pk)
    return maintenance
