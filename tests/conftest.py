"""Shared fixtures: the Payments team of the specification, its people and a P1 incident."""

import pytest

from tocsin.accounts.models import InstanceRole, Membership, MembershipRole, Team
from tocsin.accounts.services import create_api_token, create_user
from tocsin.incidents.defaults import DEFAULT_SEVERITIES
from tocsin.incidents.models import Channel, Service, Severity
from tocsin.incidents.services import declare

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing is deliberately slow; the tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def payments(db) -> Team:
    return Team.objects.create(name="Payments", slug="payments", email="payments@example.com")


@pytest.fixture
def platform(db) -> Team:
    return Team.objects.create(name="Platform", slug="platform")


def _person(
    email, name, *, team=None, membership=MembershipRole.MEMBER, role=InstanceRole.RESPONDER
):
    user = create_user(email=email, display_name=name, password=PASSWORD, role=role)
    if team is not None:
        Membership.objects.create(team=team, user=user, role=membership)
    return user


@pytest.fixture
def lead(payments):
    return _person(
        "alice@example.com", "Alice Novak", team=payments, membership=MembershipRole.LEAD
    )


@pytest.fixture
def member(payments):
    return _person("bob@example.com", "Bob Okafor", team=payments)


@pytest.fixture
def other_member(payments):
    return _person("erin@example.com", "Erin Walsh", team=payments)


@pytest.fixture
def outsider(platform):
    return _person("carol@example.com", "Carol Jensen", team=platform)


@pytest.fixture
def admin(db):
    return _person("admin@example.com", "Ada Admin", role=InstanceRole.ADMIN)


@pytest.fixture
def viewer(db):
    return _person("viewer@example.com", "Vera Viewer", role=InstanceRole.VIEWER)


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


@pytest.fixture
def token_for():
    """token_for(user) -> a bearer token secret for that user."""

    def make(user):
        _, secret = create_api_token(user=user, name="tests")
        return secret

    return make
