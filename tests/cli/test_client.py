"""`tocsin incident …` against the real API, served in-process over WSGI on the test database."""

import functools
import json
import socket

import httpx

from tests.support.cli import run_cli
from tocsin import client
from tocsin.incidents.models import Event, Incident, Status


def run(capsys, *argv):
    """`tocsin incident <argv>`: (exit code, stdout, stderr)."""
    return run_cli(capsys, "incident", *argv)


def test_list_shows_open_incidents_as_a_table(api_in_process, incident, member, token_for, capsys):
    code, out, err = run(capsys, "list", "--token", token_for(member))
    assert (code, err) == (0, "")
    header, row = out.splitlines()
    assert header.split() == ["REF", "SEV", "STATUS", "TEAM", "OWNER", "REPORTED", "TITLE"]
    assert row.startswith(f"{incident.reference}  P1   Triggered  Payments")
    assert row.endswith("Checkout returns 502")


def test_list_says_so_when_nothing_matches(api_in_process, incident, member, token_for, capsys):
    code, out, _ = run(capsys, "list", "--status", "resolved", "--token", token_for(member))
    assert (code, out) == (0, "No resolved incidents.\n")


def test_list_json_is_the_api_page(api_in_process, incident, member, token_for, capsys):
    code, out, _ = run(capsys, "list", "--team", "payments", "--json", "--token", token_for(member))
    assert code == 0
    page = json.loads(out)
    assert page["count"] == 1
    assert page["items"][0]["reference"] == incident.reference


def test_declare_opens_an_incident(api_in_process, member, checkout, p1, token_for, capsys):
    code, out, err = run(
        capsys,
        "declare",
        "Checkout returns 502",
        "--severity",
        "p1",
        "--team",
        "payments",
        "--service",
        "checkout",
        "--description",
        "Every payment fails at the last step.",
        "--token",
        token_for(member),
    )
    assert (code, err) == (0, "")
    incident = Incident.objects.get()
    assert out.splitlines()[0] == (
        f"Declared {incident.reference}: Checkout returns 502 (P1 Critical, Payments)"
    )
    assert (incident.severity, incident.reported_by, incident.status) == (
        p1,
        member,
        Status.TRIGGERED,
    )
    assert list(incident.services.all()) == [checkout]
    assert incident.description == "Every payment fails at the last step."


def test_declare_for_an_unknown_team_changes_nothing(api_in_process, member, token_for, capsys):
    code, out, err = run(
        capsys,
        "declare",
        "Down",
        "--severity",
        "P1",
        "--team",
        "nope",
        "--token",
        token_for(member),
    )
    assert (code, out) == (1, "")
    assert err.startswith("error: ") and "nope" in err
    assert not Incident.objects.exists()


def test_ack_makes_you_the_owner(api_in_process, incident, member, token_for, capsys):
    code, out, _ = run(capsys, "ack", incident.reference, "--token", token_for(member))
    assert code == 0
    assert out == f"{incident.reference} acknowledged by Bob Okafor; status Working.\n"
    assert incident.refresh().acknowledged_by == member


def test_only_team_members_can_ack(api_in_process, incident, outsider, token_for, capsys):
    code, out, err = run(capsys, "ack", str(incident.pk), "--token", token_for(outsider))
    assert (code, out) == (1, "")
    assert err.startswith("error: Carol Jensen is not a member of Payments")
    assert incident.refresh().status == Status.TRIGGERED


def test_note_and_resolve_show_up_in_show(api_in_process, incident, member, token_for, capsys):
    token = token_for(member)
    assert run(capsys, "ack", incident.reference, "--token", token)[0] == 0
    code, out, _ = run(capsys, "note", incident.reference, "Rolled back 2.14", "--token", token)
    assert (code, out) == (0, f"Note added to {incident.reference}.\n")
    code, out, _ = run(
        capsys, "resolve", incident.reference, "--resolution", "Rollback", "--token", token
    )
    assert (code, out) == (0, f"{incident.reference} resolved by Bob Okafor.\n")

    code, out, _ = run(capsys, "show", incident.reference, "--token", token)
    assert code == 0
    assert out.startswith(f"{incident.reference}  Checkout returns 502\n")
    assert "Status:       Resolved\n" in out
    assert "Services:     Checkout\n" in out
    assert "Commander:    Alice Novak\n" in out
    assert "Resolution:   Rollback\n" in out
    assert "by Bob Okafor" in out.split("Resolved:")[1].splitlines()[0]
    timeline = out.split("Timeline:\n")[1]
    assert "Alice Novak via web: Incident declared as P1 Critical for Payments" in timeline
    assert "Bob Okafor via cli: Note: Rolled back 2.14" in timeline
    assert "Bob Okafor via cli: Resolved by Bob Okafor: Rollback" in timeline
    assert incident.refresh().status == Status.RESOLVED


def test_show_json_includes_the_timeline(api_in_process, incident, member, token_for, capsys):
    code, out, _ = run(capsys, "show", incident.reference, "--json", "--token", token_for(member))
    assert code == 0
    data = json.loads(out)
    assert (data["reference"], data["status"]) == (incident.reference, "triggered")
    assert [e["kind"] for e in data["timeline"]] == [
        Event.CREATED,
        Event.ESCALATION,  # Payments has no policy: its leads are paged
        Event.ROLE_ASSIGNED,
    ]


def test_resolving_twice_explains_why_not(api_in_process, incident, member, token_for, capsys):
    token = token_for(member)
    assert (
        run(capsys, "resolve", incident.reference, "--resolution", "Fixed", "--token", token)[0]
        == 0
    )
    code, out, err = run(
        capsys, "resolve", incident.reference, "--resolution", "Again", "--token", token
    )
    assert (code, out) == (1, "")
    assert err == f"error: {incident.reference} is already resolved\n"
    assert incident.refresh().resolution == "Fixed"


def test_an_unknown_incident_is_an_error(api_in_process, member, token_for, capsys):
    code, out, err = run(capsys, "show", "INC-999", "--token", token_for(member))
    assert (code, out) == (1, "")
    assert err == "error: no incident 'INC-999'\n"


def test_a_wrong_token_is_refused(api_in_process, incident, capsys):
    code, out, err = run(capsys, "list", "--token", "tocsin_not-a-real-token")
    assert (code, out) == (1, "")
    assert err == "error: the API token is unknown, revoked or expired\n"


def test_the_token_comes_from_the_environment(
    api_in_process, incident, member, token_for, monkeypatch, capsys
):
    monkeypatch.setenv("TOCSIN_TOKEN", token_for(member))
    code, out, _ = run(capsys, "list")
    assert code == 0
    assert incident.reference in out


def test_without_a_token_it_says_how_to_get_one(monkeypatch, capsys):
    monkeypatch.delenv("TOCSIN_TOKEN", raising=False)
    code, out, err = run(capsys, "list")
    assert (code, out) == (2, "")
    assert err.startswith("error: no API token: set TOCSIN_TOKEN or pass --token")
    assert "tocsin token create" in err


def test_an_unreachable_server_is_named(monkeypatch, capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    code, out, err = run(capsys, "list", "--url", url, "--token", "tocsin_x")
    assert (code, out) == (1, "")
    assert err.startswith(f"error: cannot connect to Tocsin at {url}: is it running?")


def test_a_server_that_is_not_tocsin_is_reported(monkeypatch, capsys):
    def not_tocsin(request):
        return httpx.Response(200, text="<html>hello</html>")

    transport = httpx.MockTransport(not_tocsin)
    monkeypatch.setattr(client, "Api", functools.partial(client.Api, transport=transport))
    code, out, err = run(capsys, "list", "--url", "http://example.test", "--token", "tocsin_x")
    assert (code, out) == (1, "")
    assert "is not JSON; is TOCSIN_URL the address of a Tocsin server?" in err


def test_an_error_page_without_json_still_gives_a_message(monkeypatch, capsys):
    transport = httpx.MockTransport(lambda request: httpx.Response(502, text="Bad Gateway"))
    monkeypatch.setattr(client, "Api", functools.partial(client.Api, transport=transport))
    code, _, err = run(capsys, "show", "1", "--url", "http://example.test", "--token", "t")
    assert code == 1
    assert err == "error: the server answered HTTP 502 Bad Gateway\n"


def test_the_url_may_include_the_api_prefix(monkeypatch, capsys):
    seen = []

    def record(request):
        seen.append(str(request.url))
        return httpx.Response(200, json={"count": 0, "items": []})

    transport = httpx.MockTransport(record)
    monkeypatch.setattr(client, "Api", functools.partial(client.Api, transport=transport))
    run(capsys, "list", "--url", "https://tocsin.example.com/api/v1/", "--token", "t")
    assert seen == ["https://tocsin.example.com/api/v1/incidents?status=open&limit=50"]
