"""An attachment folder of the test's own (TOCSIN_ATTACHMENT_DIR) that the tests list to see
what was stored, and Sam the support agent (tests/tickets/conftest.py) signed in. The ticket
they attach files to is the specification's (tests/tickets/conftest.py)."""

from pathlib import Path

import pytest


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
def agent_client(client, agent):
    client.force_login(agent)
    return client
