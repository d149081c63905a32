"""End to end: a real `tocsin serve` (gunicorn and its worker) driven by the `tocsin` command.

Every step runs the installed `tocsin` in a subprocess on its own data directory, as a person
would on a fresh machine. When the suite runs against PostgreSQL (TOCSIN_DATABASE_URL), the
server gets a database of its own beside the test database.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

TOCSIN = str(Path(sys.executable).with_name("tocsin"))
E2E_DATABASE = "tocsin_cli_e2e"


def _maintenance(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def _fresh_postgres_database(url: str) -> str:
    """Drop and create E2E_DATABASE on the server of `url`; return its URL."""
    with _maintenance(url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {E2E_DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {E2E_DATABASE}")
    return urlunsplit(urlsplit(url)._replace(path=f"/{E2E_DATABASE}"))


def _drop_postgres_database(url: str) -> None:
    with _maintenance(url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {E2E_DATABASE} WITH (FORCE)")


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """The environment of a migrated Tocsin with the demo data loaded."""
    data_dir = tmp_path_factory.mktemp("tocsin-data")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TOCSIN_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(TOCSIN_DATA_DIR=str(data_dir), TOCSIN_SECRET_KEY="e2e-" + "x" * 50)
    database_url = os.environ.get("TOCSIN_DATABASE_URL", "")
    on_postgres = database_url.startswith(("postgres://", "postgresql://"))
    if on_postgres:
        env["TOCSIN_DATABASE_URL"] = _fresh_postgres_database(database_url)

    migrate = tocsin(env, "migrate", "-v", "0", cwd=data_dir)
    assert migrate.returncode == 0, migrate.stderr
    demo = tocsin(env, "demo", cwd=data_dir)
    assert demo.returncode == 0, demo.stderr
    assert "bob@example.com" in demo.stdout
    yield env
    if on_postgres:
        _drop_postgres_database(database_url)


def tocsin(env: dict, *argv: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [TOCSIN, *argv],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A `tocsin serve` subprocess, its log in a file (an access log line per request)."""

    def __init__(self, env: dict, log: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with open(log, "w") as out:
            self.process = subprocess.Popen(
                [TOCSIN, "serve", "--port", str(self.port), "--workers", "2"],
                env={**env, "TOCSIN_BASE_URL": self.url},
                cwd=env["TOCSIN_DATA_DIR"],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def output(self) -> str:
        return self.log.read_text()

    def wait_until_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"tocsin serve exited:\n{self.output()}"
            try:
                if httpx.get(f"{self.url}/admin/login/", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"tocsin serve did not answer in {timeout}s:\n{self.output()}")

    def worker_pid(self) -> int:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = re.search(r"Started the background worker \(pid: (\d+)\)", self.output())
            if found:
                return int(found.group(1))
            time.sleep(0.1)
        raise AssertionError(f"no background worker started:\n{self.output()}")

    def stop(self, sig=signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # Still in the process table: only acceptable as a zombie nobody has reaped yet.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" in status.read_text()


def _wait_gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def server(instance, tmp_path):
    server = Server(instance, tmp_path / "serve.log")
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


def test_an_incident_from_declaration_to_resolution(instance, server):
    token = tocsin(instance, "token", "create", "bob@example.com", "--name", "e2e")
    assert token.returncode == 0, token.stderr
    env = {**instance, "TOCSIN_URL": server.url, "TOCSIN_TOKEN": token.stdout.strip()}

    def cli(*argv):
        result = tocsin(env, "incident", *argv)
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
    assert [line.split("via cli: ", 1)[1] for line in timeline if "via cli: " in line] == [
        "Incident declared as P1 Critical for Payments: Checkout returns 502",
        "Bob Okafor is the commander",
        "Bob Okafor acknowledged the incident and is working on it",
        "Note: Rolled back the 14:02 deploy",
        "Resolved by Bob Okafor: Rolled back release 2026.11.3",
    ]

    data = json.loads(cli("show", ref, "--json"))
    assert (data["status"], data["resolved_by"]["email"]) == ("resolved", "bob@example.com")
    assert data["url"] == f"{server.url}/incidents/{data['id']}/"

    # A refused action: a clear message on stderr, exit status 1, nothing changed.
    again = tocsin(env, "incident", "ack", ref)
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
    assert _wait_gone(worker), f"the background worker outlived the server:\n{server.output()}"


def test_serve_stops_with_its_worker_on_ctrl_c(server):
    worker = server.worker_pid()
    assert server.stop(signal.SIGINT) == 0
    assert _wait_gone(worker), f"the background worker outlived the server:\n{server.output()}"
    assert "Shutting down: Master" in server.output()


def test_the_background_worker_is_restarted_if_it_dies(server):
    first = server.worker_pid()
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        pids = re.findall(r"Started the background worker \(pid: (\d+)\)", server.output())
        if len(pids) == 2:
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"the worker was not restarted:\n{server.output()}")
    assert "exited with code -9" in server.output()
    second = int(pids[1])
    assert server.stop() == 0
    assert _wait_gone(second)
