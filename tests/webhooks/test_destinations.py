"""Where webhooks may be sent: never to an internal address (loopback, private, link-local, cloud
metadata, …) unless an admin allows it, checked when a webhook is saved and again, after the
name is resolved, each time a delivery is sent.

Every test here reaches only 127.0.0.1: names resolve through the `dns` fixture, and a
connection to any other address fails the test (see conftest.py).
"""

import http.server
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from tests.support.api import assert_error
from tests.support.fakes import serve, shut
from tests.support.live import TOCSIN, free_port
from tocsin.incidents.models import Event
from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.models import OutboxMessage, OutboxState, Purpose
from tocsin.webhooks.models import Webhook
from tocsin.webhooks.services import create_webhook, send_test

pytestmark = pytest.mark.django_db

WORKER = "test-worker"
TLS = Path(__file__).with_name("tls")
ADVICE = (
    "webhooks are not sent to internal addresses unless an admin allows it "
    "(TOCSIN_WEBHOOK_ALLOWED_NETWORKS)"
)


@pytest.fixture
def nothing_allowed(settings):
    """Tocsin as installed: no internal address allowed."""
    settings.WEBHOOK_ALLOW_PRIVATE = ""
    settings.WEBHOOK_ALLOWED_NETWORKS = ""


def _create(client, url):
    return client.post(
        "/webhooks", {"team": "payments", "name": "Ops bridge", "url": url, "events": None}
    )


# --- When a webhook is saved ------------------------------------------------------------------

REFUSED = [
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is the cloud metadata address"),
    ("http://[fd00:ec2::254]/", "fd00:ec2::254 is the cloud metadata address"),
    ("http://metadata.google.internal/v1/", "is 169.254.169.254, the cloud metadata address"),
    ("http://10.0.0.1/hook", "10.0.0.1 is a private address (RFC 1918)"),
    ("http://172.16.5.4/", "172.16.5.4 is a private address (RFC 1918)"),
    ("https://192.168.1.1:8443/", "192.168.1.1 is a private address (RFC 1918)"),
    ("http://[fd12:3456::1]/", "fd12:3456::1 is a unique local address (fc00::/7)"),
    ("http://127.0.0.1:8080/", "127.0.0.1 is a loopback address"),
    ("http://[::1]:8080/hook", "::1 is a loopback address"),
    ("http://localhost:8080/hook", "localhost is 127.0.0.1, a loopback address"),
    ("http://LOCALHOST./", "localhost. is 127.0.0.1, a loopback address"),
    ("http://ops.localhost/", "ops.localhost is 127.0.0.1, a loopback address"),
    ("http://0x7f000001/", "0x7f000001 is 127.0.0.1, a loopback address"),
    ("http://2130706433/", "2130706433 is 127.0.0.1, a loopback address"),
    ("http://127.1/", "127.1 is 127.0.0.1, a loopback address"),
    ("http://0177.0.0.1/", "0177.0.0.1 is 127.0.0.1, a loopback address"),
    ("http://0x7f.1/", "0x7f.1 is 127.0.0.1, a loopback address"),
    ("http://127.0.0.1./", "127.0.0.1. is 127.0.0.1, a loopback address"),
    ("http://１２７.０.０.１/", "１２７.０.０.１ is 127.0.0.1, a loopback address"),
    ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is 127.0.0.1, a loopback address"),
    ("http://[::ffff:a9fe:a9fe]/", "::ffff:a9fe:a9fe is 169.254.169.254, the cloud metadata"),
    ("http://[64:ff9b::a00:1]/", "64:ff9b::a00:1 is 10.0.0.1, a private address"),
    ("http://169.254.1.1/", "169.254.1.1 is a link-local address"),
    ("http://[fe80::1]/", "fe80::1 is a link-local address"),
    ("http://[fe80::1%25eth0]/", "fe80::1%25eth0 is fe80::1, a link-local address"),
    ("http://100.64.0.1/", "100.64.0.1 is a shared address (CGNAT, 100.64.0.0/10)"),
    ("http://100.100.100.200/", "100.100.100.200 is the cloud metadata address"),
    ("http://0.0.0.0:8000/", "0.0.0.0 is the unspecified address"),
    ("http://0/", "0 is 0.0.0.0, the unspecified address"),
    ("http://[::]/", ":: is the unspecified address"),
    ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
    ("http://[ff02::1]/", "ff02::1 is a multicast address"),
    ("http://240.0.0.1/", "240.0.0.1 is a reserved address"),
    ("http://255.255.255.255/", "255.255.255.255 is a reserved address"),
    ("http://192.0.2.7/", "192.0.2.7 is not a public internet address"),
    ("http://0.1.2.3/", "0.1.2.3 is not a public internet address"),
    ("http://198.18.0.1/", "198.18.0.1 is not a public internet address"),
    ("http://[2001:db8::1]/", "2001:db8::1 is not a public internet address"),
    ("http://[fec0::1]/", "fec0::1 is a site-local address"),
    ("http://[2002:7f00:1::]/", "2002:7f00:1:: is 127.0.0.1, a loopback address"),
    ("http://localhost.localdomain/", "localhost.localdomain is 127.0.0.1, a loopback"),
    ("http://ip6-localhost/", "ip6-localhost is ::1, a loopback address"),
    ("http://ip6-loopback/", "ip6-loopback is ::1, a loopback address"),
    ("http://metadata.goog/", "metadata.goog is 169.254.169.254, the cloud metadata address"),
    ("http://169.254.170.2/v2/credentials", "169.254.170.2 is the cloud metadata address"),
    ("http://169.254.170.23/", "169.254.170.23 is the cloud metadata address"),
    ("http://[fd00:ec2::23]/", "fd00:ec2::23 is the cloud metadata address"),
    ("http://192.0.0.192/", "192.0.0.192 is the cloud metadata address"),
    ("http://168.63.129.16/machine", "168.63.129.16 is the cloud metadata address"),
]


@pytest.mark.parametrize(("url", "message"), REFUSED)
def test_an_internal_address_is_refused_and_nothing_is_created(
    api_as, lead, nothing_allowed, url, message
):
    response = _create(api_as(lead), url)

    error = assert_error(response, 422, "validation_failed", field="url", message_contains=message)
    assert error["message"].endswith(ADVICE)
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    "url", ["http://1.2.3.4.5/", "http://256.0.0.1/", "http://1.2.3.0x100/", "http://1.2.3.08/"]
)
def test_a_host_that_is_almost_an_ip_address_is_refused(api_as, lead, url):
    response = _create(api_as(lead), url)

    assert_error(
        response, 422, "validation_failed", field="url", message_contains="not a valid IP address"
    )
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/tocsin",
        "http://93.184.216.34:8080/hook",
        "https://[2606:4700::1111]/hook",
        "https://bücher.example/hook",
    ],
)
def test_public_names_and_addresses_are_accepted_without_asking_dns(
    api_as, lead, nothing_allowed, url, monkeypatch
):
    def no_dns(*args, **kwargs):
        raise AssertionError("DNS was asked while saving a webhook")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)

    assert _create(api_as(lead), url).status_code == 201


def test_a_change_to_an_internal_address_is_refused_and_changes_nothing(
    api_as, lead, nothing_allowed
):
    client = api_as(lead)
    webhook = _create(client, "https://hooks.example.com/tocsin").json()

    response = client.patch(f"/webhooks/{webhook['id']}", {"url": "http://127.1:8080/"})

    assert_error(response, 422, "validation_failed", field="url", message_contains="loopback")
    assert Webhook.objects.get().url == "https://hooks.example.com/tocsin"


def test_the_web_form_says_what_is_wrong(lead, payments, nothing_allowed):
    client = Client()
    client.force_login(lead)

    response = client.post(
        "/webhooks/",
        {
            "team": payments.pk,
            "name": "Ops bridge",
            "url": "http://169.254.169.254/latest/meta-data/",
            "events": ["incident.resolved"],
        },
    )

    assert response.status_code == 422
    assert "169.254.169.254 is the cloud metadata address" in response.content.decode()
    assert not Webhook.objects.exists()


def test_an_admin_allows_some_networks(api_as, lead, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = "127.0.0.0/8, 10.1.0.0/16,fd00:1::/32"
    client = api_as(lead)

    allowed = [
        "http://10.1.2.3/",
        "http://[::ffff:10.1.2.3]/",
        "http://[64:ff9b::a01:203]/",
        "http://127.1/",
        "http://[fd00:1::5]/",
    ]
    for number, url in enumerate(allowed):
        response = client.post(
            "/webhooks", {"team": "payments", "name": f"hook {number}", "url": url}
        )
        assert response.status_code == 201, (url, response.content)

    for url, message in [
        ("http://10.2.0.1/", "10.2.0.1 is a private address (RFC 1918)"),
        ("http://169.254.169.254/", "169.254.169.254 is the cloud metadata address"),
    ]:
        assert_error(
            _create(client, url), 422, "validation_failed", field="url", message_contains=message
        )
    assert Webhook.objects.count() == len(allowed)


def test_allow_private_allows_every_internal_address(api_as, lead, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = "1"
    settings.WEBHOOK_ALLOWED_NETWORKS = ""
    client = api_as(lead)

    for number, url in enumerate(
        ["http://10.0.0.1/", "http://localhost:8080/", "http://169.254.169.254/", "http://[::1]/"]
    ):
        response = client.post(
            "/webhooks", {"team": "payments", "name": f"hook {number}", "url": url}
        )
        assert response.status_code == 201, (url, response.content)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("WEBHOOK_ALLOWED_NETWORKS", "10.1.0.1/16", "'10.1.0.1/16' has host bits set"),
        ("WEBHOOK_ALLOWED_NETWORKS", "10.0.0.0/33", "'10.0.0.0/33' is not a network"),
        ("WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8;10.0.0.0/8", "is not a network"),
        ("WEBHOOK_ALLOWED_NETWORKS", "intranet.example.com", "is not a network"),
        ("WEBHOOK_ALLOW_PRIVATE", "maybe", "not 'maybe'"),
    ],
)
def test_bad_settings_are_refused_with_what_is_wrong(settings, setting, value, message):
    from tocsin.webhooks.destinations import check_settings

    setattr(settings, setting, value)

    with pytest.raises(ImproperlyConfigured, match=f"TOCSIN_{setting}") as refused:
        check_settings()
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("value", "allows"),
    [("1", True), ("TRUE", True), (" yes ", True), ("on", True)]
    + [("0", False), ("false", False), ("No", False), ("off", False), ("", False)],
)
def test_allow_private_takes_the_usual_words(settings, value, allows):
    from tocsin.webhooks.destinations import check_settings, policy

    settings.WEBHOOK_ALLOW_PRIVATE = value

    check_settings()
    assert policy().allow_all is allows


@pytest.mark.processes
def test_tocsin_refuses_to_start_with_a_bad_allow_list(tmp_path):
    result = subprocess.run(
        [TOCSIN, "reactions"],
        env={
            "PATH": "/usr/bin:/bin",
            "TOCSIN_DATA_DIR": str(tmp_path),
            "TOCSIN_WEBHOOK_ALLOWED_NETWORKS": "10.1.0.1/16",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert (
        "TOCSIN_WEBHOOK_ALLOWED_NETWORKS: '10.1.0.1/16' has host bits set (the network is "
        "written with its first address, e.g. 10.1.0.0/16); give networks in CIDR notation, "
        "separated by commas"
    ) in result.stderr


# --- When a delivery is sent ------------------------------------------------------------------


def _named_hook(receiver, admin, host, path="/ops"):
    webhook = create_webhook(
        team=None, name="Ops bridge", url=f"http://{host}:{receiver.port}{path}", by=admin
    )
    receiver.secrets[path] = webhook.secret
    return webhook


def _only_message() -> OutboxMessage:
    return OutboxMessage.objects.get(purpose=Purpose.WEBHOOK)


def test_a_name_that_resolves_to_an_internal_address_is_refused_when_sent(
    receiver, admin, dns, new_incident, api_as, policy
):
    dns["hooks.test"] = ["10.0.0.1"]
    webhook = _named_hook(receiver, admin, "hooks.test")
    incident = new_incident()

    report = deliver_due(worker_id=WORKER)

    assert (report.failed, report.sent) == (1, 0)
    message = _only_message()
    assert message.state == OutboxState.FAILED
    assert message.last_error == "refused: the URL leads to an internal address"
    [attempt] = api_as(admin).get(f"/webhooks/{webhook.pk}/deliveries").json()[0]["log"]
    assert attempt["error"] == (
        f"hooks.test resolves to 10.0.0.1, a private address (RFC 1918): {ADVICE}"
    )
    assert (attempt["status"], attempt["address"]) == (None, "")
    assert receiver.received() == []
    failure = incident.timeline.get(kind=Event.PAGE_FAILED)
    assert failure.message == (
        "Webhook event via webhook “Ops bridge” failed: "
        "refused: the URL leads to an internal address"
    )


def test_a_name_that_resolves_to_loopback_is_refused_unless_allowed(receiver, admin, dns, settings):
    dns["hooks.test"] = ["127.0.0.1"]
    webhook = _named_hook(receiver, admin, "hooks.test")
    settings.WEBHOOK_ALLOWED_NETWORKS = ""

    send_test(webhook=webhook, by=admin)
    assert deliver_due(worker_id=WORKER).failed == 1

    assert _only_message().last_error == "refused: the URL leads to an internal address"
    assert receiver.received() == []


def test_an_address_saved_before_it_was_refused_is_refused_when_sent(
    receiver, admin, settings, api_as
):
    webhook = _named_hook(receiver, admin, "127.0.0.1")
    Webhook.objects.filter(pk=webhook.pk).update(url=f"http://127.1:{receiver.port}/ops")
    settings.WEBHOOK_ALLOWED_NETWORKS = ""

    send_test(webhook=webhook, by=admin)
    assert deliver_due(worker_id=WORKER).failed == 1

    [attempt] = api_as(admin).get(f"/webhooks/{webhook.pk}/deliveries").json()[0]["log"]
    assert attempt["error"] == f"127.1 is 127.0.0.1, a loopback address: {ADVICE}"
    assert receiver.received() == []


def test_every_address_of_a_name_is_checked(receiver, admin, dns):
    dns["hooks.test"] = ["127.0.0.1", "10.0.0.1"]
    webhook = _named_hook(receiver, admin, "hooks.test")

    send_test(webhook=webhook, by=admin)
    assert deliver_due(worker_id=WORKER).failed == 1

    assert receiver.received() == []


def test_the_connection_goes_to_the_address_that_was_checked(receiver, admin, dns, api_as):
    """DNS rebinding: a name that answers an allowed address to the check and an internal one
    a moment later still reaches only the allowed one, because it is resolved once."""
    answers = iter([["127.0.0.1"]])
    asked = []

    def rebinding():
        asked.append(1)
        return next(answers, ["10.0.0.1"])

    dns["hooks.test"] = rebinding
    webhook = _named_hook(receiver, admin, "hooks.test")

    send_test(webhook=webhook, by=admin)
    assert deliver_due(worker_id=WORKER).sent == 1

    assert len(asked) == 1
    [delivery] = receiver.received("/ops")
    assert delivery.verified
    assert delivery.headers["Host"] == f"hooks.test:{receiver.port}"
    [attempt] = api_as(admin).get(f"/webhooks/{webhook.pk}/deliveries").json()[0]["log"]
    assert (attempt["address"], attempt["status"]) == ("127.0.0.1", 204)


def test_allow_private_lets_deliveries_reach_internal_receivers(receiver, admin, dns, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = "1"
    settings.WEBHOOK_ALLOWED_NETWORKS = ""
    dns["hooks.test"] = ["127.0.0.1"]
    webhook = _named_hook(receiver, admin, "hooks.test")

    send_test(webhook=webhook, by=admin)
    assert deliver_due(worker_id=WORKER).sent == 1

    assert [d.verified for d in receiver.received("/ops")] == [True]


def test_a_name_that_does_not_resolve_is_tried_again(receiver, admin):
    webhook = _named_hook(receiver, admin, "nowhere.test")

    send_test(webhook=webhook, by=admin)
    assert deliver_due(worker_id=WORKER).retried == 1

    message = _only_message()
    assert (message.state, message.last_error) == (
        OutboxState.PENDING,
        "could not resolve the receiver's host name",
    )


# --- HTTPS: the name is checked, the certificate is the name's ---------------------------------


class _TlsReceiver:
    """An HTTPS receiver on 127.0.0.1 with the certificate of hooks.test; notes the SNI name."""

    def __init__(self):
        self.port = free_port()
        self.server_names: list[str | None] = []
        self.hosts: list[str] = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(TLS / "receiver.pem")
        context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.hosts.append(self.headers["Host"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self.server = serve(Handler, self.port)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)

    def stop(self):
        shut(self.server)


@pytest.fixture
def tls_receiver(monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "ca.pem"))
    server = _TlsReceiver()
    yield server
    server.stop()


def test_https_is_verified_against_the_name_not_the_address(tls_receiver, admin, dns):
    dns["hooks.test"] = ["127.0.0.1"]
    dns["other.test"] = ["127.0.0.1"]
    good = create_webhook(
        team=None, name="Good", url=f"https://hooks.test:{tls_receiver.port}/ops", by=admin
    )
    wrong = create_webhook(
        team=None, name="Wrong", url=f"https://other.test:{tls_receiver.port}/ops", by=admin
    )

    send_test(webhook=good, by=admin)
    send_test(webhook=wrong, by=admin)
    report = deliver_due(worker_id=WORKER)

    assert (report.sent, report.retried) == (1, 1)
    assert tls_receiver.hosts == [f"hooks.test:{tls_receiver.port}"]
    assert tls_receiver.server_names == ["hooks.test", "other.test"]
    refused = OutboxMessage.objects.get(data__webhook=wrong.pk)
    assert refused.last_error == "could not connect to the receiver"


# --- Through a proxy ---------------------------------------------------------------------------


@pytest.fixture
def proxy(receiver, monkeypatch):
    """HTTP_PROXY points at the receiver, which answers proxied requests itself."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", receiver.url(""))
    return receiver


def test_through_a_proxy_the_name_is_still_checked(proxy, admin, dns, nothing_allowed, api_as):
    dns["hooks.example.com"] = ["93.184.216.34"]
    dns["intranet.example.com"] = ["10.0.0.1"]
    public = create_webhook(team=None, name="Public", url="http://hooks.example.com/ops", by=admin)
    proxy.secrets["http://hooks.example.com/ops"] = public.secret
    internal = create_webhook(
        team=None, name="Internal", url="http://intranet.example.com/ops", by=admin
    )

    send_test(webhook=public, by=admin)
    send_test(webhook=internal, by=admin)
    report = deliver_due(worker_id=WORKER)

    assert (report.sent, report.failed) == (1, 1)
    [delivery] = proxy.received()
    assert (delivery.path, delivery.verified) == ("http://hooks.example.com/ops", True)
    refused = OutboxMessage.objects.get(data__webhook=internal.pk)
    assert refused.last_error == "refused: the URL leads to an internal address"
    [attempt] = api_as(admin).get(f"/webhooks/{public.pk}/deliveries").json()[0]["log"]
    assert (attempt["status"], attempt["address"]) == (204, "")


def test_https_proxy_carries_https_deliveries(admin, dns, monkeypatch):
    """HTTPS_PROXY is asked to CONNECT to the receiver's name; this one then hangs up."""
    seen = []
    listener = socket.create_server(("127.0.0.1", 0))

    def answer_once():
        connection, _ = listener.accept()
        with connection:
            seen.append(connection.recv(4096).split(b"\r\n", 1)[0])

    thread = threading.Thread(target=answer_once, daemon=True)
    thread.start()
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{listener.getsockname()[1]}")
    dns["hooks.example.com"] = ["93.184.216.34"]
    webhook = create_webhook(
        team=None, name="Public", url="https://hooks.example.com/ops", by=admin
    )

    send_test(webhook=webhook, by=admin)
    assert deliver_due(worker_id=WORKER).retried == 1

    thread.join(timeout=10)
    listener.close()
    assert seen == [b"CONNECT hooks.example.com:443 HTTP/1.1"]
    assert _only_message().last_error == "the connection to the receiver failed"


def test_no_proxy_sends_directly(proxy, admin, dns, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "hooks.test")
    dns["hooks.test"] = ["127.0.0.1"]
    webhook = _named_hook(proxy, admin, "hooks.test")

    send_test(webhook=webhook, by=admin)
    assert deliver_due(worker_id=WORKER).sent == 1

    [delivery] = proxy.received()
    assert delivery.path == "/ops"
