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
