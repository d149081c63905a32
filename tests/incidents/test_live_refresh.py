"""The live fragment an open incident's page polls: status header and timeline, nothing else."""

from pathlib import Path

from django.urls import reverse

from tests.support.web import body
from tocsin.incidents import services
from tocsin.incidents.models import Channel


def test_the_fragment_carries_the_status_header_and_the_timeline(signed_in, member, incident):
    services.add_note(incident=incident, by=member, via=Channel.SLACK, text="Looking at the LB")

    response = signed_in(member).get(reverse("incident-live", args=[incident.pk]))

    html = body(response)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert 'data-live-part="status" data-status="triggered" data-open="true"' in html
    assert 'data-live-part="timeline"' in html
    assert "Looking at the LB" in html and "via Slack" in html
    assert "<html" not in html and "Sign out" not in html  # a fragment, not a page


def test_the_fragment_follows_changes_made_elsewhere(signed_in, member, incident):
    client = signed_in(member)
    services.acknowledge(incident=incident, by=member, via=Channel.EMAIL)
    html = body(client.get(reverse("incident-live", args=[incident.pk])))
    assert 'data-status="acknowledged"' in html
    assert "via E-mail" in html


def test_the_script_polls_every_five_seconds_only_while_visible(client):
    from django.contrib.staticfiles import finders

    script = Path(finders.find("tocsin/app.js")).read_text()
    assert "POLL_MS = 5000" in script
    assert 'document.visibilityState !== "visible"' in script
    assert "data-live-url" in script
