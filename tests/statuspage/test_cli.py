"""`tocsin status …` against the real API, served in-process over WSGI on the test database."""

import json

from tests.support.cli import run_cli
from tocsin.incidents.models import Event
from tocsin.statuspage.models import ComponentStatus, IncidentStatus, PublicIncident


def run(capsys, *argv):
    return run_cli(capsys, "status", *argv)


def test_publish_update_and_resolve_an_incident(
    api_in_process, lead, incident, checkout_component, token_for, capsys, told
):
    token = token_for(lead)
    code, out, err = run(
        capsys,
        "publish",
        incident.reference,
        "--name",
        "Checkout errors",
        "--body",
        "Some customers cannot pay.",
        "--component",
        "checkout=partial_outage",
        "--token",
        token,
    )
    assert (code, err) == (0, "")
    public = PublicIncident.objects.get()
    assert (
        out.splitlines()[0] == f"Published {public.code}: Checkout errors (Checkout partial outage)"
    )
    assert out.splitlines()[1].endswith(f"/status/incidents/{public.code}")
    assert incident.timeline.get(kind=Event.PUBLIC_UPDATE).via == "cli"

    code, out, err = run(
        capsys,
        "update",
        incident.reference,
        "--status",
        "identified",
        "--body",
        "A bad deploy.",
        "--component",
        "Checkout=major_outage",
        "--token",
        token,
    )
    assert (code, err, out) == (0, "", f"Posted Identified to {public.code}: Checkout errors\n")
    checkout_component.refresh_from_db()
    assert checkout_component.status == ComponentStatus.MAJOR_OUTAGE

    code, out, err = run(capsys, "resolve", public.code, "--body", "Rolled back.", "--token", token)
    assert (code, err) == (0, "")
    assert out == f"Resolved {public.code}: Checkout errors (Checkout operational)\n"
    public.refresh_from_db()
    assert public.status == IncidentStatus.RESOLVED


def test_publishing_twice_says_it_is_already_published(
    api_in_process, lead, incident, checkout_component, token_for, capsys
):
    token = token_for(lead)
    args = ("publish", incident.reference, "--name", "X", "--body", "Y", "--token", token)
    assert run(capsys, *args)[0] == 0
    code, out, err = run(capsys, *args)
    assert code == 1 and out == ""
    assert "is already published on Status as public incident" in err
    assert PublicIncident.objects.count() == 1


def test_component_status_and_list(api_in_process, admin, checkout_component, token_for, capsys):
    token = token_for(admin)
    code, out, err = run(capsys, "component", "Checkout", "degraded_performance", "--token", token)
    assert (code, err, out) == (0, "", "Checkout is now degraded performance.\n")
    code, out, err = run(capsys, "list", "--token", token)
    header, row = out.splitlines()
    assert header.split() == ["CODE", "GROUP", "COMPONENT", "STATUS"]
    assert row.split() == [
        checkout_component.code,
        "Payments",
        "Checkout",
        "Degraded",
        "performance",
    ]
    code, out, _ = run(capsys, "list", "--json", "--token", token)
    assert json.loads(out)["components"][0]["status"] == "degraded_performance"


def test_an_unknown_component_names_the_known_ones(
    api_in_process, admin, checkout_component, token_for, capsys
):
    code, out, err = run(
        capsys, "component", "Chekout", "major_outage", "--token", token_for(admin)
    )
    assert code == 1
    assert err == "error: no component 'Chekout' on the status page (components: Checkout)\n"


def test_a_malformed_component_option_is_a_usage_error(
    api_in_process, lead, incident, token_for, capsys
):
    code, _, err = run(
        capsys,
        "publish",
        incident.reference,
        "--name",
        "X",
        "--body",
        "Y",
        "--component",
        "Checkout",
        "--token",
        token_for(lead),
    )
    assert code == 2 and "write NAME=STATUS" in err
    assert not PublicIncident.objects.exists()


def test_a_viewer_is_told_they_may_not(
    api_in_process, viewer, checkout_component, token_for, capsys
):
    code, _, err = run(
        capsys, "component", "Checkout", "major_outage", "--token", token_for(viewer)
    )
    assert code == 1 and err.startswith("error: only an admin")
    checkout_component.refresh_from_db()
    assert checkout_component.status == ComponentStatus.OPERATIONAL
