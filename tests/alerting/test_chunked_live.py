"""A chunked body through the real server (gunicorn), as HTTP clients that stream send it."""

import json

import httpx
import pytest

from tests.support.live import LiveTocsin, wait_for

pytestmark = pytest.mark.processes

SETUP = """
from datetime import timedelta
from tocsin.accounts.models import Team
from tocsin.alerting.models import Integration, Kind
from tocsin.incidents.models import Severity

Severity.objects.get_or_create(key="P2", defaults={"name": "High", "rank": 2})
team = Team.objects.create(name="Platform", slug="platform")
generic = Integration.objects.create(kind=Kind.GENERIC, name="Cron", team=team)
heartbeat = Integration.objects.create(
    kind=Kind.HEARTBEAT, name="Backup", team=team, heartbeat_interval=timedelta(minutes=10)
)
emit({"generic": generic.token, "heartbeat": heartbeat.token})
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    tocsin = LiveTocsin(tmp_path_factory.mktemp("tocsin-chunked"), name="chunked")
    try:
        tokens = tocsin.python(SETUP)
        server = tocsin.serve(workers=1)
        yield tocsin, server, tokens
    finally:
        tocsin.close()


def chunked(data: bytes, size: int = 7):
    """A body without a length: httpx sends it with Transfer-Encoding: chunked."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_a_chunked_alert_through_gunicorn_opens_its_incident(live):
    tocsin, server, tokens = live
    body = json.dumps({"title": "Nightly export failed", "severity": "critical"}).encode()
    response = httpx.post(
        f"{server.url}/api/v1/integrations/{tokens['generic']}/generic",
        content=chunked(body),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 202, response.text
    assert response.request.headers["Transfer-Encoding"] == "chunked"
    wait_for(
        lambda: tocsin.rows("SELECT title FROM incidents_incident"),
        what="the worker to open the incident",
    )
    assert tocsin.value("SELECT title FROM incidents_incident") == "Nightly export failed"


def test_a_chunked_heartbeat_failure_through_gunicorn_is_a_failure(live):
    tocsin, server, tokens = live
    body = json.dumps({"status": "fail", "message": "backup exited 2"}).encode()
    response = httpx.post(
        f"{server.url}/api/v1/integrations/{tokens['heartbeat']}/heartbeat",
        content=chunked(body),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 202, response.text
    wait_for(
        lambda: ("backup exited 2",) in tocsin.rows("SELECT title FROM incidents_incident"),
        what="the worker to open the failure's incident",
    )
