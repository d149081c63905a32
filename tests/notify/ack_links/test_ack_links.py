"""Acknowledging from the page e-mail: the link shows a confirmation, only its form POST acts.

Every test takes the link out of an e-mail the SMTP server really received.
"""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.support.mailbox import ack_path
from tocsin.incidents.models import Channel, Event, Status
from tocsin.incidents.services import acknowledge, resolve
from tocsin.notify.delivery.loop import deliver_due
from tocsin.notify.models import AcknowledgeLinkUse


@pytest.fixture
def paged(smtp, page):
    """paged(incident, person) -> the acknowledge link's path from the e-mail they received."""

    def send(incident, person):
        page(incident, person)
        deliver_due(worker_id="test-worker")
        [received] = smtp.to(person.email)
        return ack_path(received)

    return send


def _unchanged(incident):
    incident.refresh_from_db()
    assert incident.status == Status.TRIGGERED
    assert incident.acknowledged_by is None
    assert not incident.timeline.filter(kind=Event.ACKNOWLEDGED).exists()


def test_opening_the_link_asks_for_confirmation_and_changes_nothing(
    client, incident, member, paged
):
    path = paged(incident, member)

    response = client.get(path)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"Acknowledge {incident.reference}?" in page
    assert '<form method="post"' in page
    assert "Acknowledge as Bob Okafor" in page
    assert "Checkout returns 502" in page
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    # Mail scanners follow links, some with HEAD: neither acts.
    assert client.head(path).status_code == 200
    _unchanged(incident)
    assert not AcknowledgeLinkUse.objects.exists()


def test_confirming_acknowledges_as_the_person_paged_via_email(incident, member, paged):
    path = paged(incident, member)
    # A fresh browser: no session and, as the form carries none, no CSRF token either.
    browser = Client(enforce_csrf_checks=True)
    browser.get(path)

    response = browser.post(path)

    assert response.status_code == 200
    assert f"{incident.reference} is yours" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status == Status.ACKNOWLEDGED
    assert incident.acknowledged_by == member
    event = incident.timeline.get(kind=Event.ACKNOWLEDGED)
    assert (event.actor, event.via) == (member, Channel.EMAIL)


def test_the_link_acts_for_its_person_whoever_is_signed_in(client, incident, member, lead, paged):
    path = paged(incident, member)
    client.force_login(lead)

    client.post(path)

    assert incident.refresh().acknowledged_by == member


def test_a_used_link_is_refused_and_changes_nothing(client, incident, member, paged):
    path = paged(incident, member)
    client.post(path)
    events = incident.timeline.count()

    again = client.post(path)

    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert client.get(path).status_code == 410
    assert incident.timeline.count() == events
    assert AcknowledgeLinkUse.objects.count() == 1


def test_an_expired_link_is_refused_and_changes_nothing(client, incident, member, paged):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        path = paged(incident, member)
        traveller.shift(timedelta(hours=24) - timedelta(seconds=1))
        assert client.get(path).status_code == 200

        traveller.shift(timedelta(seconds=2))
        shown = client.get(path)
        confirmed = client.post(path)

    assert shown.status_code == confirmed.status_code == 410
    assert "This link has expired" in shown.content.decode()
    assert "links work for 24 hours" in confirmed.content.decode()
    _unchanged(incident)


def test_the_link_lifetime_is_a_setting(client, settings, incident, member, paged):
    settings.ACK_LINK_TTL_HOURS = 1
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        path = paged(incident, member)
        traveller.shift(timedelta(minutes=61))
        response = client.post(path)
    assert response.status_code == 410
    assert "links work for 1 hour " in response.content.decode()
    _unchanged(incident)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"), id="signature"),
        pytest.param(
            lambda token: token[:5] + ("x" if token[5] != "x" else "y") + token[6:], id="payload"
        ),
        pytest.param(lambda token: token[: len(token) // 2], id="cut-short"),
        pytest.param(lambda token: "not-a-link", id="made-up"),
    ],
)
def test_a_tampered_link_is_refused_and_changes_nothing(client, incident, member, paged, tamper):
    path = paged(incident, member)
    token = path.removeprefix("/ack/").removesuffix("/")
    forged = f"/ack/{tamper(token)}/"

    shown = client.get(forged)
    confirmed = client.post(forged)

    assert shown.status_code == confirmed.status_code == 400
    assert "This link is not valid" in confirmed.content.decode()
    _unchanged(incident)
    # The real link still works.
    assert client.post(path).status_code == 200


def test_someone_outside_the_team_is_refused_and_the_link_stays_unused(
    client, incident, outsider, paged
):
    path = paged(incident, outsider)

    response = client.post(path)

    assert response.status_code == 403
    page = response.content.decode()
    assert "You cannot acknowledge this incident" in page
    assert "Carol Jensen is not a member of Payments" in page
    assert "Nothing was changed." in page
    _unchanged(incident)
    assert not AcknowledgeLinkUse.objects.exists()


def test_a_deactivated_person_cannot_use_their_link(client, incident, member, paged):
    path = paged(incident, member)
    member.is_active = False
    member.save()

    response = client.post(path)

    assert response.status_code == 403
    assert "account is deactivated" in response.content.decode()
    _unchanged(incident)


def test_a_resolved_incident_has_nothing_to_acknowledge(client, incident, member, lead, paged):
    path = paged(incident, member)
    resolve(incident=incident, by=lead, via=Channel.WEB, resolution="Rolled back")

    shown = client.get(path)
    confirmed = client.post(path)

    assert shown.status_code == 200
    assert "is resolved: there is nothing to acknowledge" in shown.content.decode()
    assert '<form method="post"' not in shown.content.decode()
    assert confirmed.status_code == 409
    assert incident.refresh().status == Status.RESOLVED
    assert not incident.timeline.filter(kind=Event.ACKNOWLEDGED).exists()


def test_an_incident_someone_else_owns_is_not_taken_over(
    client, incident, member, other_member, paged
):
    path = paged(incident, member)
    acknowledge(incident=incident, by=other_member, via=Channel.WEB)

    shown = client.get(path)
    confirmed = client.post(path)

    assert "Erin Walsh already owns" in shown.content.decode()
    assert confirmed.status_code == 409
    assert "already acknowledged by Erin Walsh" in confirmed.content.decode()
    assert incident.refresh().acknowledged_by == other_member
