"""Atom and RSS carry every published update, escaped, with an ETag."""

import pytest
from django.utils import timezone

from tocsin.statuspage.models import IncidentUpdate, Page, PublicIncident
from tocsin.statuspage.snapshot import render_page

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["history.atom", "history.rss"])
def test_feed_has_every_update_escaped_and_no_drafts(client, name):
    page = Page.objects.get(is_default=True)
    live = PublicIncident.objects.create(
        page=page, name="Checkout <b>502</b>", published_at=timezone.now()
    )
    IncidentUpdate.objects.create(
        incident=live, status="investigating", body="First <script>x()</script>"
    )
    IncidentUpdate.objects.create(incident=live, status="identified", body="Second")
    PublicIncident.objects.create(page=page, name="Hidden draft")
    render_page(page.pk)
    response = client.get(f"/status/{name}")
    body = response.content.decode()
    assert response.status_code == 200 and response["ETag"] and response["Last-Modified"]
    assert "First" in body and "Second" in body
    assert "<script>" not in body and "Checkout <b>" not in body
    assert "Hidden draft" not in body
    assert client.get(f"/status/{name}", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_a_control_character_stored_earlier_does_not_stop_the_page_from_rendering(client):
    """XML 1.0 cannot carry U+000B: the feeds leave it out rather than fail, and with them the
    render of every public file."""
    page = Page.objects.get(is_default=True)
    live = PublicIncident.objects.create(
        page=page, name="Disk\x0bfull", published_at=timezone.now()
    )
    IncidentUpdate.objects.create(incident=live, status="investigating", body="Look\x0bing")
    render_page(page.pk)
    atom = client.get("/status/history.atom").content.decode()
    assert "Diskfull" in atom and "Looking" in atom and "\x0b" not in atom
    assert (
        "Disk\x0bfull" in client.get("/status/api/v2/incidents.json").json()["incidents"][0]["name"]
    )


@pytest.mark.parametrize("text", ["Disk\x0bfull", "Disk\x1bfull", "Disk\x00full", "a\nb"])
def test_names_and_bodies_with_control_characters_are_refused(api_as, admin, page, text):
    api = api_as(admin)
    response = api.post("/status/incidents", {"name": text, "body": "Looking."})
    assert response.status_code == 422 and response.json()["error"]["field"] == "name"
    if text != "a\nb":  # a body has lines
        response = api.post("/status/incidents", {"name": "Disk full", "body": text})
        assert response.status_code == 422 and response.json()["error"]["field"] == "body"
    assert not PublicIncident.objects.exists()
