"""What a deployment gets without asking: security headers, HTTPS-only cookies and HSTS when the
public address is https, a private data directory, a refused placeholder secret key, and access
logs without secret URLs (docs/configuration.md#security, docs/deployment.md)."""

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.live import TOCSIN, LiveTocsin, Process, free_port, wait_for

SIGN_IN = "/login/"
EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    directives = [d.strip().split(None, 1) for d in header.split(";") if d.strip()]
    return {name: value for name, value in directives}


# --- Content-Security-Policy -----------------------------------------------------------------


def test_pages_carry_the_content_security_policy(client, db):
    assert policy(client.get(SIGN_IN)) == EXPECTED_CSP


def test_signed_in_pages_admin_and_api_docs_carry_it_too(signed_in, admin, incident):
    client = signed_in(admin)
    for url in [
        "/incidents/",
        f"/incidents/{incident.pk}/",
        "/admin/",
        "/api/v1/docs",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert policy(response) == EXPECTED_CSP, url


def test_nothing_in_tocsins_templates_needs_an_inline_script():
    """The policy allows no inline script: no <script> without src, no on…= handler."""
    offenders = []
    for path in (Path(__file__).parent.parent / "tocsin").rglob("*.html"):
        if "email" in path.parent.parts:
            continue  # e-mail bodies, not pages
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path}: {tag}")
        offenders += [f"{path}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]
        offenders += [f"{path}: javascript: URL" for _ in re.findall("javascript:", text)]
    assert offenders == []


# --- The server process ----------------------------------------------------------------------


def clean_env(**more) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TOCSIN_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(more)
    return env


def run_tocsin(*argv, env, cwd, umask=0o022, timeout=60):
    """The installed `tocsin` as a person runs it, under a usual umask."""
    return subprocess.run(
        [TOCSIN, *argv],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        preexec_fn=lambda: os.umask(umask),
    )


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.processes
def test_the_data_directory_database_and_secret_key_are_private_from_the_start(tmp_path):
    data = tmp_path / "var"
    env = clean_env(TOCSIN_DATA_DIR=str(data))

    migrate = run_tocsin("migrate", "-v", "0", env=env, cwd=tmp_path)
    assert migrate.returncode == 0, migrate.stderr

    assert mode(data) == 0o700
    assert mode(data / "secret_key") == 0o600
    assert mode(data / "tocsin.sqlite3") == 0o600

    # While the server runs, SQLite's -wal and -shm files sit beside the database: private too.
    port = free_port()
    server = Process(
        [
            sys.executable,
            "-c",
            "import os, sys; os.umask(0o022); from tocsin.cli import main; "
            f"sys.exit(main(['serve', '--port', '{port}', '--workers', '1']))",
        ],
        env=env,
        cwd=tmp_path,
        log=tmp_path / "serve.log",
    )
    try:
        server.wait_until_answering(f"http://127.0.0.1:{port}{SIGN_IN}")
        wal, shm = data / "tocsin.sqlite3-wal", data / "tocsin.sqlite3-shm"
        wait_for(lambda: wal.exists() and shm.exists(), what="the -wal and -shm files")
        assert (mode(wal), mode(shm)) == (0o600, 0o600)
        assert mode(data) == 0o700
    finally:
        server.stop()


@pytest.mark.processes
def test_an_existing_data_directory_keeps_its_permissions_and_new_files_are_private(tmp_path):
    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    env = clean_env(TOCSIN_DATA_DIR=str(data))

    migrate = run_tocsin("migrate", "-v", "0", env=env, cwd=tmp_path)

    assert migrate.returncode == 0, migrate.stderr
    assert mode(data) == 0o755
    assert mode(data / "secret_key") == 0o600
    assert mode(data / "tocsin.sqlite3") == 0o600


PLACEHOLDER = "change-me-to-50-random-characters"
SERVER_COMMANDS = [
    ["serve"],
    ["worker"],
    ["migrate"],
    ["demo"],
    ["createuser", "ada@example.com", "--password", "correct-horse-battery"],
    ["token", "create", "ada@example.com"],
    ["unlock", "ada@example.com"],
    ["reactions"],
    ["manage", "check"],
]


@pytest.mark.processes
@pytest.mark.parametrize("command", SERVER_COMMANDS, ids=lambda argv: argv[0])
def test_the_placeholder_secret_key_from_the_docs_is_refused(tmp_path, command):
    env = clean_env(TOCSIN_DATA_DIR=str(tmp_path / "var"), TOCSIN_SECRET_KEY=PLACEHOLDER)

    result = run_tocsin(*command, env=env, cwd=tmp_path, timeout=30)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: TOCSIN_SECRET_KEY is the example from the documentation; set it to a secret of "
        "your own, for example the output of "
        'python3 -c "import secrets; print(secrets.token_urlsafe(50))"\n'
    )


@pytest.mark.processes
def test_a_long_key_that_starts_like_the_example_is_refused_too(tmp_path):
    key = "change-me-" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
    env = clean_env(TOCSIN_DATA_DIR=str(tmp_path / "var"), TOCSIN_SECRET_KEY=key)
    result = run_tocsin("migrate", env=env, cwd=tmp_path, timeout=30)
    assert result.returncode == 2
    assert "is the example from the documentation" in result.stderr


@pytest.mark.processes
@pytest.mark.parametrize("key", ["s3cret", "x" * 49, "abcd" * 20], ids=["short", "49", "4-chars"])
def test_a_weak_secret_key_is_refused_with_a_clear_message(tmp_path, key):
    env = clean_env(TOCSIN_DATA_DIR=str(tmp_path / "var"), TOCSIN_SECRET_KEY=key)

    result = run_tocsin("migrate", env=env, cwd=tmp_path, timeout=30)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: TOCSIN_SECRET_KEY is too weak:")
    assert "at least 50 characters" in result.stderr
    assert "at least 5 different ones" in result.stderr
    assert not (tmp_path / "var" / "tocsin.sqlite3").exists()


@pytest.mark.processes
def test_a_key_of_50_random_characters_is_accepted(tmp_path):
    key = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
    env = clean_env(TOCSIN_DATA_DIR=str(tmp_path / "var"), TOCSIN_SECRET_KEY=key)
    result = run_tocsin("migrate", "-v", "0", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "hsts": s.SECURE_HSTS_SECONDS,
    "subdomains": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "secure_cookies": [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE],
    "behind_proxy": s.BEHIND_PROXY,
    "proxies": s.PROXY_COUNT,
    "account_limit": s.AXES_FAILURE_LIMIT,
    "address_limit": s.SIGN_IN_ADDRESS_FAILURE_LIMIT,
    "lockout_minutes": s.AXES_COOLOFF_TIME.total_seconds() / 60,
}))
"""


def settings_under(tmp_path, **env) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        env=clean_env(
            TOCSIN_DATA_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="tocsin.settings", **env
        ),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.processes
def test_the_defaults_of_the_new_settings(tmp_path):
    assert settings_under(tmp_path) == {
        "hsts": 0,
        "subdomains": False,
        "secure_cookies": [False, False],
        "behind_proxy": False,
        "proxies": 1,
        "account_limit": 5,
        "address_limit": 20,
        "lockout_minutes": 15,
    }
    https = settings_under(tmp_path, TOCSIN_BASE_URL="https://tocsin.example.com")
    assert (https["hsts"], https["secure_cookies"]) == (31536000, [True, True])


@pytest.mark.processes
def test_the_new_settings_come_from_the_environment(tmp_path):
    assert settings_under(
        tmp_path,
        TOCSIN_BASE_URL="https://tocsin.example.com",
        TOCSIN_HSTS_SECONDS="0",
        TOCSIN_HSTS_INCLUDE_SUBDOMAINS="yes",
        TOCSIN_BEHIND_PROXY="on",
        TOCSIN_PROXY_COUNT="2",
        TOCSIN_SIGN_IN_FAILURE_LIMIT="8",
        TOCSIN_SIGN_IN_ADDRESS_FAILURE_LIMIT="50",
        TOCSIN_SIGN_IN_LOCKOUT_MINUTES="60",
    ) == {
        "hsts": 0,
        "subdomains": True,
        "secure_cookies": [True, True],
        "behind_proxy": True,
        "proxies": 2,
        "account_limit": 8,
        "address_limit": 50,
        "lockout_minutes": 60,
    }
    # An http:// address gets no HSTS, whatever TOCSIN_HSTS_SECONDS says.
    assert settings_under(tmp_path, TOCSIN_HSTS_SECONDS="300")["hsts"] == 0


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    tocsin = LiveTocsin(tmp_path_factory.mktemp("tocsin-hardening"), name="hardening")
    try:
        demo = tocsin.cli("demo")
        assert demo.returncode == 0, demo.stderr
        yield tocsin
    finally:
        tocsin.close()


def start(instance, name, **env) -> tuple[Process, str]:
    port = free_port()
    server = Process(
        [TOCSIN, "serve", "--port", str(port), "--workers", "1", "--no-worker"],
        env={**instance.env, **env},
        cwd=instance.data_dir,
        log=instance.data_dir / f"{name}-{port}.log",
    )
    url = f"http://127.0.0.1:{port}"
    server.wait_until_answering(f"{url}{SIGN_IN}")
    return server, url


def cookie_flags(response, name) -> list[str]:
    [header] = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    return [part.strip().lower() for part in header.split(";")[1:]]


@pytest.mark.processes
def test_an_https_address_gets_hsts_and_cookies_sent_over_https_only(instance):
    server, url = start(
        instance,
        "https",
        TOCSIN_BASE_URL="https://tocsin.example.com",
        TOCSIN_BEHIND_PROXY="true",
    )
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "tocsin.example.com"}
    try:
        with httpx.Client(base_url=url, headers=proxied) as http:
            page = http.get(SIGN_IN)
            assert page.status_code == 200
            assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
            assert "secure" in cookie_flags(page, "csrftoken")

            token = page.cookies["csrftoken"]
            # The proxy speaks HTTPS to the browser; a Secure cookie comes back over it.
            signed = http.post(
                SIGN_IN,
                data={
                    "username": "bob@example.com",
                    "password": "tocsin-demo",
                    "csrfmiddlewaretoken": token,
                },
                headers={"Origin": "https://tocsin.example.com", "Cookie": f"csrftoken={token}"},
            )
            assert signed.status_code == 302, signed.text
            assert {"secure", "httponly"} <= set(cookie_flags(signed, "sessionid"))
    finally:
        server.stop()


@pytest.mark.processes
def test_hsts_takes_its_length_and_subdomains_from_the_environment(instance):
    server, url = start(
        instance,
        "hsts",
        TOCSIN_BASE_URL="https://tocsin.example.com",
        TOCSIN_BEHIND_PROXY="true",
        TOCSIN_HSTS_SECONDS="300",
        TOCSIN_HSTS_INCLUDE_SUBDOMAINS="true",
    )
    try:
        page = httpx.get(f"{url}{SIGN_IN}", headers={"X-Forwarded-Proto": "https"})
        assert page.headers["Strict-Transport-Security"] == "max-age=300; includeSubDomains"
    finally:
        server.stop()


@pytest.mark.processes
def test_without_behind_proxy_a_forwarded_https_is_not_believed(instance):
    server, url = start(instance, "no-proxy", TOCSIN_BASE_URL="https://tocsin.example.com")
    try:
        page = httpx.get(f"{url}{SIGN_IN}", headers={"X-Forwarded-Proto": "https"})
        assert page.status_code == 200
        assert "Strict-Transport-Security" not in page.headers
        # The cookies are still sent over HTTPS only: the public address says so.
        assert "secure" in cookie_flags(page, "csrftoken")
    finally:
        server.stop()


@pytest.mark.processes
def test_an_http_address_changes_nothing(instance):
    server, url = start(instance, "http", TOCSIN_BASE_URL="http://127.0.0.1:8000")
    try:
        page = httpx.get(f"{url}{SIGN_IN}", headers={"X-Forwarded-Proto": "https"})
        assert page.status_code == 200
        assert "Strict-Transport-Security" not in page.headers
        assert "secure" not in cookie_flags(page, "csrftoken")
    finally:
        server.stop()


SECRETS_SETUP = """
from tocsin.accounts.models import Team, User
from tocsin.alerting.models import Integration
from tocsin.incidents.models import Incident
from tocsin.notify.ack_links.services import issue_acknowledge_link
from tocsin.oncall.schedules.models import PersonalCalendar, Schedule

team = Team.objects.get(slug="payments")
bob = User.objects.get(email="bob@example.com")
integration = Integration.objects.create(kind="generic", name="Cron", team=team)
schedule = Schedule.objects.create(team=team, name="Log test", time_zone="UTC")
calendar, _ = PersonalCalendar.objects.get_or_create(user=bob)
incident = Incident.objects.filter(team=team).exclude(status__in=["resolved", "cancelled"]).first()
link = issue_acknowledge_link(incident, bob)
emit({
    "integration": integration.token,
    "integration_id": integration.pk,
    "schedule": schedule.calendar_token,
    "person": calendar.calendar_token,
    "ack": link.url.split("/ack/", 1)[1].rstrip("/"),
})
"""


@pytest.mark.processes
def test_the_logs_do_not_show_the_secret_urls(instance):
    secrets = instance.python(SECRETS_SETUP)
    server, url = start(instance, "logs")
    try:
        with httpx.Client(base_url=url) as http:
            intake = f"/api/v1/integrations/{secrets['integration']}/generic"
            assert http.post(intake, json={"title": "Backup failed"}).status_code == 202
            assert http.post(intake, json={"status": "sideways"}).status_code == 422
            schedule = f"/calendars/schedules/{secrets['schedule']}.ics"
            assert http.get(schedule).status_code == 200
            person = f"/calendars/people/{secrets['person']}.ics"
            assert http.get(person).status_code == 200
            ack = f"/ack/{secrets['ack']}/"
            assert http.get(ack).status_code == 200
            # The confirmation form posts back to the link, naming it as the referrer.
            http.post(ack, headers={"Referer": f"{url}{ack}"})
            assert http.get(f"/ack/{secrets['ack'][:-3]}xyz/").status_code == 400
            # API addresses of integrations keep their number.
            api = f"/api/v1/integrations/{secrets['integration_id']}"
            assert http.get(api).status_code == 401
    finally:
        assert server.stop() == 0
    log = server.output()

    for name in ("integration", "schedule", "person", "ack"):
        assert secrets[name] not in log, name
    assert secrets["ack"][:-3] not in log
    assert '"POST /api/v1/integrations/[redacted]/generic HTTP/1.1" 202' in log
    assert '"POST /api/v1/integrations/[redacted]/generic HTTP/1.1" 422' in log
    assert '"GET /calendars/schedules/[redacted].ics HTTP/1.1" 200' in log
    assert '"GET /calendars/people/[redacted].ics HTTP/1.1" 200' in log
    assert '"GET /ack/[redacted]/ HTTP/1.1" 200' in log
    assert f'"{url}/ack/[redacted]/"' in log  # the referrer
    assert '"GET /ack/[redacted]/ HTTP/1.1" 400' in log
    assert f'"GET /api/v1/integrations/{secrets["integration_id"]} HTTP/1.1" 401' in log
    # Django's own warnings about refused requests name the path too: redacted as well.
    warnings = [line for line in log.splitlines() if " WARNING django.request: " in line]
    assert any(line.endswith(": /api/v1/integrations/[redacted]/generic") for line in warnings)
    assert any(line.endswith("Bad Request: /ack/[redacted]/") for line in warnings)


@pytest.mark.processes
def test_a_request_line_of_up_to_8_kb_reaches_tocsin_and_a_longer_one_is_refused(instance):
    """As nginx by default: a long filter query is Tocsin's to answer, not the server's 414."""
    server, url = start(instance, "request-line")
    try:
        with httpx.Client(base_url=url) as http:
            long_query = "&".join(["team=" + "x" * 90] * 70)  # about 6.6 KB
            answered = http.get(f"/api/v1/alerts?{long_query}")
            assert answered.status_code == 401  # Tocsin's own answer: no token
            assert answered.headers["Content-Type"] == "application/json"
            too_long = http.get(f"/api/v1/alerts?team={'x' * 9000}")
            assert too_long.status_code == 414
    finally:
        server.stop()
