"""Every change of an incident goes through its services: no back door in the transition
rules, the admin or the demo data."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tocsin.demo import load_demo
from tocsin.errors import InvalidTransition
from tocsin.incidents import services
from tocsin.incidents.models import Channel, Event, Incident, Status, TimelineEvent
from tocsin.incidents.services import acknowledge, retrigger

pytestmark = pytest.mark.django_db


def test_triggering_again_follows_the_transition_table(incident, member, monkeypatch):
    acknowledge(incident=incident, by=member, via=Channel.WEB)
    without = {k: v - {Status.TRIGGERED} for k, v in services.TRANSITIONS.items()}
    monkeypatch.setattr(services.timeline, "TRANSITIONS", without)

    with pytest.raises(InvalidTransition, match="cannot go from Working to Triggered"):
        retrigger(incident=incident, system="Escalation", reason="acknowledgement timed out")

    incident.refresh_from_db()
    assert incident.status == Status.ACKNOWLEDGED
    assert not incident.timeline.filter(kind=Event.RETRIGGERED).exists()


def test_triggering_again_clears_the_owner_and_says_why(incident, member):
    acknowledge(incident=incident, by=member, via=Channel.WEB)

    retrigger(incident=incident, system="Escalation", reason="acknowledged 30 minutes ago")

    incident.refresh_from_db()
    assert (incident.status, incident.acknowledged_by) == (Status.TRIGGERED, None)
    event = incident.timeline.get(kind=Event.RETRIGGERED)
    assert event.message == "Triggered again: acknowledged 30 minutes ago"
    assert event.data["from"] == Status.ACKNOWLEDGED


def test_a_closed_incident_is_not_triggered_again(incident, member):
    services.resolve(incident=incident, by=member, via=Channel.WEB, resolution="Rolled back")

    retrigger(incident=incident, system="Escalation", reason="late timer")

    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED


@pytest.fixture
def superuser(admin):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return admin


def test_the_admin_shows_incidents_but_cannot_change_their_lifecycle(client, superuser, incident):
    client.force_login(superuser)
    url = f"/admin/incidents/incident/{incident.pk}/change/"

    page = client.get(url)
    posted = client.post(url, {"status": Status.RESOLVED, "title": "Changed behind its back"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert posted.status_code == 403
    incident.refresh_from_db()
    assert (incident.status, incident.title) == (Status.TRIGGERED, "Checkout returns 502")
    assert client.get("/admin/incidents/incident/add/").status_code == 403
    assert client.get("/admin/incidents/timelineevent/add/").status_code == 403


def test_the_demo_is_worked_through_the_services_at_times_in_the_past(severities):
    assert load_demo() is True

    replica = Incident.objects.get(title__startswith="Replica lag")
    events = list(replica.timeline.order_by("id"))
    kinds = [event.kind for event in events]
    assert kinds == [
        Event.CREATED,
        Event.ROLE_ASSIGNED,
        Event.ACKNOWLEDGED,
        Event.STATUS_CHANGED,
        Event.NOTE,
        Event.RESOLVED,
        Event.SITUATION_REPORT,  # written at resolution
    ]
    # Written in the order they happened, at the times the incident's own fields say.
    assert [event.at for event in events] == sorted(event.at for event in events)
    acknowledged = replica.timeline.get(kind=Event.ACKNOWLEDGED).at
    resolved = replica.timeline.get(kind=Event.RESOLVED).at
    assert abs(acknowledged - replica.acknowledged_at) < timedelta(seconds=1)
    assert abs(resolved - replica.resolved_at) < timedelta(seconds=1)
    assert timedelta(hours=24) < timezone.now() - replica.resolved_at < timedelta(hours=26)
    minutes = (replica.resolved_at - replica.reported_at).total_seconds() / 60
    assert 46 <= minutes <= 48
    assert load_demo() is False
    assert TimelineEvent.objects.filter(incident=replica).count() == len(events)
