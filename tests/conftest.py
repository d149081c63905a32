"""Shared fixtures: the Payments team of the specification, its people and a P1 incident, its
schedule and escalation policy, and the clients, servers and browser the tests talk through.

Helpers that are not fixtures live in tests/support/.
"""

import functools
import subprocess
from datetime import date, time, timedelta

import httpx
import pytest
import time_machine
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone

from tests.support.api import ApiClient
from tests.support.browser import chromium, new_page
from tests.support.clock import START
from tests.support.mailbox import Mailbox
from tests.support.people import person
from tocsin import client
from tocsin.accounts.models import InstanceRole, MembershipRole, Team
from tocsin.accounts.services import create_api_token
from tocsin.alerting import intake, keys
from tocsin.incidents.defaults import DEFAULT_SEVERITIES
from tocsin.incidents.models import Channel, Service, Severity
from tocsin.incidents.services import declare
from tocsin.oncall.escalation.services import LevelSpec, TargetSpec, create_policy
from tocsin.oncall.schedules.services import add_layer, create_schedule


@pytest.fixture(autouse=True)
def _integration_keys_forgotten():
    """Each test's database starts empty: the keys an earlier test's web requests cached are
    not its own (they could not accept anything anyway: intake_queue.accept checks them)."""
    keys.clear()
    intake.release_brakes()
    yield
    keys.clear()
    intake.release_brakes()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing is deliberately slow; the tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _processes_are_marked(request, monkeypatch):
    """A test that starts a process says so (`processes`, or `browser` for Chromium's), so
    `pytest -m "not processes and not browser"` is the quick inner loop it promises to be."""
    if any(request.node.get_closest_marker(name) for name in ("processes", "browser")):
        return

    def refuse(self, args, *more, **options):
        raise AssertionError(
            f"this test starts a process ({args!r}): mark it @pytest.mark.processes"
        )

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)


@pytest.fixture(autouse=True)
def _no_status_page_copies_from_another_test():
    """Each test has its own database: a web process's in-memory copies of status page files
    (tocsin.statuspage.snapshot.copies) must not carry over from the test before."""
    from tocsin.statuspage.snapshot import copies

    copies.forget()
    yield
    copies.forget()


@pytest.fixture(autouse=True)
def _django_already_set_up(monkeypatch):
    """pytest-django has set Django up; `tocsin.cli.main()` setting it up again would point
    logging at the stream pytest captured for that one test, which is closed by the next."""
    monkeypatch.setattr("tocsin.cli._django", lambda: None)


# --- The people and the incident of the specification ---------------------------------------


@pytest.fixture
def payments(db) -> Team:
    return Team.objects.create(name="Payments", slug="payments", email="payments@example.com")


@pytest.fixture
def platform(db) -> Team:
    return Team.objects.create(name="Platform", slug="platform")


@pytest.fixture
def lead(payments):
    return person("alice@example.com", "Alice Novak", team=payments, membership=MembershipRole.LEAD)


@pytest.fixture
def member(payments):
    return person("bob@example.com", "Bob Okafor", team=payments)


@pytest.fixture
def other_member(payments):
    return person("erin@example.com", "Erin Walsh", team=payments)


@pytest.fixture
def outsider(platform):
    return person("carol@example.com", "Carol Jensen", team=platform)


@pytest.fixture
def admin(db):
    return person("admin@example.com", "Ada Admin", role=InstanceRole.ADMIN)


@pytest.fixture
def viewer(db):
    return person("viewer@example.com", "Vera Viewer", role=InstanceRole.VIEWER)


@pytest.fixture
def severities(db) -> dict[str, Severity]:
    """The default ladder; a migration seeds it, but transactional tests flush it away."""
    for row in DEFAULT_SEVERITIES:
        Severity.objects.get_or_create(key=row["key"], defaults=row)
    return {s.key: s for s in Severity.objects.all()}


@pytest.fixture
def p1(severities) -> Severity:
    return severities["P1"]


@pytest.fixture
def p3(severities) -> Severity:
    return severities["P3"]


@pytest.fixture
def checkout(payments) -> Service:
    return Service.objects.create(name="Checkout", slug="checkout", team=payments)


@pytest.fixture
def incident(payments, lead, p1, checkout):
    """'Checkout returns 502', P1 for Payments, declared by the lead (its commander)."""
    return declare(
        title="Checkout returns 502",
        severity=p1,
        team=payments,
        by=lead,
        via=Channel.WEB,
        services=[checkout],
    )


# --- Schedules and escalation: Payments in Europe/Berlin ------------------------------------


@pytest.fixture
def schedule_in(payments, lead):
    """schedule_in("Europe/Berlin") -> a Payments schedule in that zone, with no layers."""

    def make(time_zone="Europe/Berlin", name=None):
        return create_schedule(
            team=payments, name=name or f"Payments {time_zone}", time_zone=time_zone, by=lead
        )

    return make


@pytest.fixture
def layer_of(lead):
    """layer_of(schedule, [people], unit, length, handoff, start, **more) -> a new layer."""

    def make(
        schedule,
        people,
        *,
        unit="weeks",
        length=1,
        handoff=time(9, 0),
        start=date(2026, 1, 5),
        name="Primary",
        **more,
    ):
        return add_layer(
            schedule=schedule,
            by=lead,
            name=name,
            participants=people,
            rotation_unit=unit,
            rotation_length=length,
            handoff_time=handoff,
            start_date=start,
            **more,
        )

    return make


@pytest.fixture
def berlin(schedule_in):
    return schedule_in("Europe/Berlin")


@pytest.fixture
def new_york(schedule_in):
    return schedule_in("America/New_York")


@pytest.fixture
def primary(berlin, layer_of, member):
    """'Payments Europe/Berlin': Bob is on call, every week."""
    layer_of(berlin, [member])
    return berlin


@pytest.fixture
def policy(payments, lead, primary):
    """On call now, then the team lead after 5 minutes; no repeat."""
    return create_policy(
        team=payments,
        name="Payments default",
        by=lead,
        levels=[
            LevelSpec(timedelta(minutes=5), [TargetSpec("schedule", schedule=primary)]),
            LevelSpec(timedelta(minutes=5), [TargetSpec("user", user=lead)]),
        ],
    )


# --- Time ------------------------------------------------------------------------------------


@pytest.fixture
def clock():
    """Time stopped on START, a Monday morning in Berlin; `clock.shift(…)` moves it."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def traveller():
    """Time stopped now; `traveller.shift(…)` moves it."""
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


# --- Talking to Tocsin -----------------------------------------------------------------------


@pytest.fixture
def signed_in(client):
    """signed_in(user) -> the test client, signed in as that user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def token_for():
    """token_for(user) -> a bearer token secret for that user."""

    def make(user):
        _, secret = create_api_token(user=user, name="tests")
        return secret

    return make


@pytest.fixture
def api_as(token_for):
    """api_as(user) -> an ApiClient authenticated with a fresh token of that user."""
    return lambda user: ApiClient(token_for(user))


@pytest.fixture
def api_in_process(monkeypatch, db):
    """The `tocsin` command's HTTP requests, served by this process's Django on the test
    database (TOCSIN_URL=http://testserver, no token in the environment)."""
    transport = httpx.WSGITransport(app=get_wsgi_application())
    monkeypatch.setattr(client, "Api", functools.partial(client.Api, transport=transport))
    monkeypatch.setenv("TOCSIN_URL", "http://testserver")
    monkeypatch.delenv("TOCSIN_TOKEN", raising=False)
    # As Django's test client does: a request must not close the connection that holds the
    # test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# --- What Tocsin talks to --------------------------------------------------------------------


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1; Tocsin's e-mail goes to it over real SMTP."""
    mailbox = Mailbox()
    mailbox.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = mailbox.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "Tocsin <tocsin@example.org>"
    yield mailbox
    mailbox.stop()


@pytest.fixture
def browser(monkeypatch):
    """A headless Chromium (Playwright); tests using it carry the `browser` marker."""
    # Playwright's sync API runs an event loop in this thread; the test still talks to the
    # database synchronously, which is safe here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as launched:
        yield launched


@pytest.fixture
def tab(browser):
    """A tab of that Chromium, 1280×900, in a context of its own (no cookies)."""
    with new_page(browser) as page:
        yield page
