"""The people and the ticket of the specification: Sam, a support agent, reports that clicking
on user details gives an error for some admins; Payments' lead Alice triages it."""

import pytest

from tests.support.people import person
from tocsin.accounts.models import InstanceRole, Team
from tocsin.tickets.services import open_ticket


@pytest.fixture
def agent(db):
    return person("sam@example.com", "Sam Support", role=InstanceRole.AGENT)


@pytest.fixture
def other_agent(db):
    return person("tess@example.com", "Tess Support", role=InstanceRole.AGENT)


@pytest.fixture
def web(db) -> Team:
    return Team.objects.create(name="Web", slug="web")


@pytest.fixture
def details(payments):
    """open_ticket's fields for the user-details error, overridable."""

    def make(**changes):
        return {
            "team": payments,
            "title": "Clicking on user details gives an error",
            "customer_user_id": "cust-4711",
            "what_they_did": "Opened Admin → Users and clicked a user's name",
            "what_happened": "An error page: 'Something went wrong'",
            "expected": "The user's details",
            "browser": "Firefox 133 on macOS",
            "scope": "ADMINS",
            "criticality": "FBLOCK",
            **changes,
        }

    return make


@pytest.fixture
def ticket(agent, details, severities):
    return open_ticket(by=agent, **details())
