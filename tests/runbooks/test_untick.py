"""Taking a tick back: Bob ticked step 2 of INC-12's runbook by mistake; whoever works the
incident unticks it (on the page, over the API), the timeline says so, and the step can be
ticked again. Only an open incident's ticks are taken back, and only a ticked step's."""

import pytest
from django.urls import reverse

from tests.support.api import assert_error
from tocsin.errors import Conflict, PermissionDenied, ValidationFailed
from tocsin.incidents.models import Channel, Event
from tocsin.incidents.services import resolve
from tocsin.runbooks.models import StepTick
from tocsin.runbooks.services import create_runbook, tick_step, untick_step


@pytest.fixture
def ticked(checkout_runbook, alert_incident, member):
    """Step 2 ticked by Bob, with a note."""
    return tick_step(
        incident=alert_incident,
        runbook=checkout_runbook,
        step=2,
        note="rolled back the deploy",
        by=member,
        via=Channel.WEB,
    )


def _events(incident):
    return list(incident.timeline.filter(kind=Event.RUNBOOK_STEP).order_by("id"))


def test_unticking_a_step_takes_the_tick_back_onto_the_timeline(
    checkout_runbook, alert_incident, ticked, lead
):
    untick_step(incident=alert_incident, runbook=checkout_runbook, step=2, by=lead, via=Channel.WEB)
    assert not StepTick.objects.exists()
    done, undone = _events(alert_incident)
    assert done.message == "Step 2 of 5 done: rolled back the deploy"
    assert undone.message == "Step 2 of 5 unticked: Roll back the latest deploy"
    assert (undone.actor, undone.via) == (lead, Channel.WEB)
    assert undone.data["unticked"] is True
    assert undone.data["runbook"] == "checkout-error-rate"
    assert (undone.data["step"], undone.data["steps"]) == (2, 5)
    assert undone.data["ticked_by"] == "Bob Okafor"
    assert "unticked" not in done.data


def test_an_unticked_step_can_be_ticked_again(checkout_runbook, alert_incident, ticked, member):
    untick_step(incident=alert_incident, runbook=checkout_runbook, step=2, by=member, via="web")
    tick = tick_step(
        incident=alert_incident, runbook=checkout_runbook, step=2, by=member, via="web"
    )
    assert StepTick.objects.get() == tick
    assert [event.message for event in _events(alert_incident)] == [
        "Step 2 of 5 done: rolled back the deploy",
        "Step 2 of 5 unticked: Roll back the latest deploy",
        "Step 2 of 5 done: Roll back the latest deploy",
    ]


def test_a_step_not_ticked_cannot_be_unticked(checkout_runbook, alert_incident, ticked, member):
    with pytest.raises(Conflict, match="step 3 is not ticked"):
        untick_step(incident=alert_incident, runbook=checkout_runbook, step=3, by=member, via="web")
    with pytest.raises(ValidationFailed, match="has no step 6: its steps are 1 to 5"):
        untick_step(incident=alert_incident, runbook=checkout_runbook, step=6, by=member, via="web")
    assert StepTick.objects.get() == ticked
    assert len(_events(alert_incident)) == 1


@pytest.mark.parametrize("who", ["outsider", "viewer"])
def test_only_people_working_the_incident_untick(
    request, checkout_runbook, alert_incident, ticked, who
):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied, match="untick the steps of its runbook"):
        untick_step(incident=alert_incident, runbook=checkout_runbook, step=2, by=user, via="web")
    assert StepTick.objects.get() == ticked
    assert len(_events(alert_incident)) == 1


def test_a_resolved_incident_keeps_its_ticks(checkout_runbook, alert_incident, ticked, member):
    resolve(incident=alert_incident, by=member, via=Channel.WEB, resolution="Rolled back")
    with pytest.raises(Conflict, match="is resolved: reopen it to untick runbook steps"):
        untick_step(incident=alert_incident, runbook=checkout_runbook, step=2, by=member, via="web")
    assert StepTick.objects.get() == ticked
    assert len(_events(alert_incident)) == 1


def test_another_runbook_than_the_incidents_is_refused(
    checkout_runbook, alert_incident, ticked, admin
):
    other = create_runbook(name="Other", body="1. a\n2. b", by=admin)
    with pytest.raises(ValidationFailed, match="Other is not the runbook of INC-"):
        untick_step(incident=alert_incident, runbook=other, step=2, by=admin, via="web")
    assert StepTick.objects.get() == ticked


# The incident page's checklist.


def _page(client, incident):
    return client.get(reverse("incident-detail", args=[incident.pk])).content.decode()


def _card(html: str) -> str:
    """The incident page's Runbook card alone."""
    start = html.index('id="runbook"')
    return html[start : html.index("</section>", start)]


def test_the_checklist_offers_untick_on_a_ticked_step(
    signed_in, member, outsider, alert_incident, ticked
):
    html = _page(signed_in(member), alert_incident)
    assert html.count("Untick step") == 1
    assert reverse("runbook-untick", args=[alert_incident.pk]) in html
    assert reverse("runbook-untick", args=[alert_incident.pk]) not in _page(
        signed_in(outsider), alert_incident
    )


def test_unticking_from_the_page_without_script(
    signed_in, member, checkout_runbook, alert_incident, ticked
):
    client = signed_in(member)
    response = client.post(
        reverse("runbook-untick", args=[alert_incident.pk]),
        {"runbook": checkout_runbook.slug, "step": "2"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/incidents/{alert_incident.pk}/#runbook")
    assert not StepTick.objects.exists()
    html = _page(client, alert_incident)
    assert "0 of 5 done" in html
    assert "Untick step" not in html
    assert _card(html).count('name="note"') == 5  # step 2 can be ticked again
    assert "Step 2 of 5 unticked: Roll back the latest deploy" in html  # on the timeline


def test_a_refused_untick_from_the_page(
    signed_in, member, outsider, checkout_runbook, alert_incident, ticked
):
    url = reverse("runbook-untick", args=[alert_incident.pk])
    response = signed_in(outsider).post(url, {"runbook": checkout_runbook.slug, "step": "2"})
    assert response.status_code == 403
    client = signed_in(member)
    response = client.post(url, {"runbook": checkout_runbook.slug, "step": "4"}, follow=True)
    assert "step 4 is not ticked" in response.content.decode()
    response = client.post(url, {"runbook": checkout_runbook.slug, "step": "x"}, follow=True)
    assert "step: Enter a whole number." in response.content.decode()
    response = client.post(url, {"runbook": "nope", "step": "2"}, follow=True)
    assert "there is no runbook &#x27;nope&#x27;" in response.content.decode()
    assert StepTick.objects.get() == ticked
    assert len(_events(alert_incident)) == 1


# The API: DELETE on the tick.


def test_unticking_over_the_api(api_as, member, checkout_runbook, alert_incident, ticked):
    ref = alert_incident.reference
    client = api_as(member)
    response = client.delete(f"/incidents/{ref}/runbook/ticks/2")
    assert response.status_code == 204, response.content
    state = client.get(f"/incidents/{ref}/runbook").json()
    assert [bool(s["done"]) for s in state["steps"]] == [False] * 5
    assert _events(alert_incident)[-1].via == "api"
    response = client.post(f"/incidents/{ref}/runbook/ticks", {"step": 2})
    assert response.status_code == 201, response.content


def test_unticking_over_the_api_names_the_runbook_when_asked(
    api_as, member, checkout_runbook, alert_incident, ticked
):
    ref = alert_incident.reference
    response = api_as(member).delete(f"/incidents/{ref}/runbook/ticks/2?runbook=nope")
    assert_error(response, 422, "validation_failed", field="runbook", message_contains="nope")
    response = api_as(member).delete(
        f"/incidents/{ref}/runbook/ticks/2?runbook={checkout_runbook.slug}"
    )
    assert response.status_code == 204, response.content
    assert not StepTick.objects.exists()


def test_refused_unticks_over_the_api_change_nothing(
    api_as, member, outsider, checkout_runbook, alert_incident, ticked
):
    ref = alert_incident.reference
    response = api_as(member).delete(f"/incidents/{ref}/runbook/ticks/3")
    assert_error(response, 409, "conflict", field="step", message_contains="not ticked")
    response = api_as(outsider).delete(f"/incidents/{ref}/runbook/ticks/2")
    assert_error(response, 403, "permission_denied")
    response = api_as(member).delete(f"/incidents/{ref}/runbook/ticks/9")
    assert_error(response, 422, "validation_failed", field="step")
    resolve(incident=alert_incident, by=member, via=Channel.WEB, resolution="Rolled back")
    response = api_as(member).delete(f"/incidents/{ref}/runbook/ticks/2")
    assert_error(response, 409, "conflict", field="step", message_contains="reopen it")
    assert StepTick.objects.get() == ticked
    assert len(_events(alert_incident)) == 1


def test_an_incident_without_a_runbook_has_nothing_to_untick(api_as, member, incident):
    response = api_as(member).delete(f"/incidents/{incident.reference}/runbook/ticks/1")
    assert_error(response, 422, "validation_failed", field="runbook", message_contains="no runbook")
