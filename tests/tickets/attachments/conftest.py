"""A support agent, a ticket of Payments to attach files to, and an attachment folder of the
test's own (TOCSIN_ATTACHMENT_DIR) that the tests list to see what was stored."""

from pathlib import Path

import pytest

from tests.support.people import person
from tocsin.accounts.models import InstanceRole
from tocsin.tickets.services import open_ticket


@pytest.fixture(autouse=True)
def attachment_dir(settings, tmp_path) -> Path:
    folder = tmp_path / "attachments"
    settings.ATTACHMENT_DIR = str(folder)
    return folder


@pytest.fixture
def stored(attachment_dir):
    """stored() -> the files in the attachment folder, relative to it (partial writes too)."""

    def files() -> list[str]:
        if not attachment_dir.exists():
            return []
        found = (p for p in attachment_dir.rglob("*") if p.is_file())
        return sorted(p.relative_to(attachment_dir).as_posix() for p in found)

    return files


@pytest.fixture
def agent(db):
    return person("sam@example.com", "Sam Support", role=InstanceRole.AGENT)


@pytest.fixture
def ticket(agent, payments):
    return open_ticket(
        by=agent,
        team=payments,
        title="Checkout page shows an error after sign-in",
        customer_user_id="cust-4711",
        what_they_did="Signed in and opened the cart",
        what_happened="An error page",
        scope="USERS",
        criticality="FBLOCK",
    )


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client
