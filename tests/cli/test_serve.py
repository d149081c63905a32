"""End to end: a real `tocsin serve` (gunicorn and its worker) driven by the `tocsin` command.

Every step runs the installed `tocsin` in a subprocess on its own data directory, as a person
would on a fresh machine. When the suite runs against PostgreSQL (TOCSIN_DATABASE_URL), the
server gets a database of its own beside the test database.
"""

import json
import os
import re
import signal
from pathlib import Path

import pytest

from tests.support.live import LiveTocsin, wait_for

pytestmark = pytest.mark.processes


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """A migrated Tocsin with the demo data loaded."""
    tocsin = LiveTocsin(tmp_path_factory.mktemp("tocsin-data"), name="cli_e2e")
    try:
        demo = tocsin.cli("demo")
        assert demo.returncode == 0, demo.stderr
        assert "bob@example.com" in demo.stdout
        yield tocsin
    finally:
        tocsin.close()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # Still in the process table: only acceptable as a zombie nobody has reaped yet.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" in status.read_text()


def wait_gone(pid: int) -> None:
    wait_for(lambda: _gone(pid), timeout=5, interval=0.05, what=f"process {pid} to exit")


@pytest.fixture
def server(instance):
    server = instance.serve(workers=2)
    try:
        yield server
    finally:
        server.stop()


def test_an_incident_from_declaration_to_resolution(instance, server):
    token = instance.cli("token", "create", "bob@example.com", "--name", "e2e")
    assert token.returncode == 0, token.stderr
    env = {"TOCSIN_URL": server.url, "TOCSIN_TOKEN": token.stdout.strip()}

    def cli(*argv):
        result = instance.cli("incident", *argv, env=env)
        assert result.returncode == 0, f"tocsin incident {argv}:\n{result.stderr}"
        assert result.stderr == ""
        return result.stdout

    out = cli("declare", "Checkout returns 502", "--severity", "P1", "--team", "payments")
    reference = re.match(r"Declared (INC-\d+): Checkout returns 502 \(P1 Critical, Payments\)", out)
    assert reference, out
    ref = reference.group(1)

    listed = cli("list")
    assert re.search(rf"^{ref}\s+P1\s+Triggered\s+Payments\s.*Checkout returns 502$", listed, re.M)
    # The demo's open incidents are listed beside it; its resolved one is not.
    assert "Card authorisations timing out" in listed
    assert "Replica lag" not in listed

    assert cli("ack", ref) == f"{ref} acknowledged by Bob Okafor; status Working.\n"
    assert cli("note", ref, "Rolled back the 14:02 deploy") == f"Note added to {ref}.\n"
    out = cli("resolve", ref, "--resolution", "Rolled back release 2026.11.3")
    assert out == f"{ref} resolved by Bob Okafor.\n"

    shown = cli("show", ref)
    assert shown.startswith(f"{ref}  Checkout returns 502\n")
    assert "\nStatus:       Resolved\n" in shown
    assert re.search(r"^Resolved: .* by Bob Okafor \(after ", shown, re.M)
    assert "\nResolution:   Rolled back release 2026.11.3\n" in shown
    timeline = shown.split("\nTimeline:\n")[1].splitlines()
    # The demo's escalation policy pages the on-call person (via Tocsin) until Bob acknowledges.
    assert any("Escalation stopped: acknowledged by Bob Okafor" in line for line in timeline)
    by_cli = [line.split("via cli: ", 1)[1] for line in timeline if "via cli: " in line]
    assert by_cli[:6] == [
        "Incident declared as P1 Critical for Payments: Checkout returns 502",
        "Bob Okafor is the commander",
        "Bob Okafor acknowledged the incident and is working on it",
        "Note: Rolled back the 14:02 deploy",
        "Resolved by Bob Okafor: Rolled back release 2026.11.3",
        "Situation report generated",  # written at resolution
    ]
    # Sent to the demo's two stakeholders once the worker has delivered it: maybe already.
    assert by_cli[6:] in ([], ["Situation report sent to 2 stakeholders and 0 chats"])

    data = json.loads(cli("show", ref, "--json"))
    assert (data["status"], data["resolved_by"]["email"]) == ("resolved", "bob@example.com")
    assert data["url"] == f"{server.url}/incidents/{data['id']}/"

    # A refused action: a clear message on stderr, exit status 1, nothing changed.
    again = instance.cli("incident", "ack", ref, env=env)
    assert (again.returncode, again.stdout) == (1, "")
    assert again.stderr == f"error: {ref} cannot go from Resolved to Working; reopen it first\n"

    # The server logged every request, and no request failed.
    log = server.output()
    assert f'"POST /api/v1/incidents/{ref}/resolve HTTP/1.1" 200' in log
    assert "Traceback" not in log


def test_serve_stops_with_its_worker_on_sigterm(server):
    worker = server.worker_pid()
    assert not _gone(worker)
    assert server.stop(signal.SIGTERM) == 0
    wait_gone(worker)  # the background worker does not outlive the server


def test_serve_stops_with_its_worker_on_ctrl_c(server):
    worker = server.worker_pid()
    assert server.stop(signal.SIGINT) == 0
    wait_gone(worker)
    assert "Shutting down: Master" in server.output()


def test_the_background_worker_is_restarted_if_it_dies(server):
    first = server.worker_pid()
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: len(server.worker_pids()) == 2, timeout=15, what="the worker to be restarted")
    assert "exited with code -9" in server.output()
    second = server.worker_pid()
    assert second != first
    assert server.stop() == 0
    wait_gone(second)
