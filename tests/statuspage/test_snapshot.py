"""The snapshot: rendered on change, served with ETag/304, user strings escaped."""

import json

import pytest

from tocsin.statuspage.models import Component, Page
from tocsin.statuspage.snapshot import copies, render_page
from tocsin.statuspage.snapshot.render import _store, build, served

pytestmark = pytest.mark.django_db


@pytest.fixture
def page():
    return Page.objects.get(is_default=True)


def test_a_status_change_is_in_summary_json_and_on_the_page_after_rendering(client, page):
    component = Component.objects.create(page=page, name="Checkout")
    render_page(page.pk)
    summary = client.get("/status/api/v2/summary.json")
    assert summary.json()["status"]["indicator"] == "none"
    component.status = "partial_outage"
    component.save()
    render_page(page.pk)
    summary = client.get("/status/api/v2/summary.json")
    assert summary["Access-Control-Allow-Origin"] == "*"
    assert summary.json()["status"] == {
        "indicator": "major",
        "description": "Partial System Outage",
    }
    assert [c["status"] for c in summary.json()["components"]] == ["partial_outage"]
    assert b"Partial outage" in client.get("/status/").content


def test_etag_gives_304_and_cache_control(client, page):
    first = client.get("/status/")  # nothing rendered yet: rendered on first request
    assert first.status_code == 200
    assert first["Cache-Control"].startswith("public, max-age=10")
    again = client.get("/status/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_invisible_components_and_html_in_names(client, page):
    Component.objects.create(page=page, name="<script>alert(1)</script>")
    Component.objects.create(page=page, name="Secret", visible=False)
    render_page(page.pk)
    html = client.get("/status/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "Secret" not in html
    names = [c["name"] for c in client.get("/status/api/v2/components.json").json()["components"]]
    assert names == ["<script>alert(1)</script>"]


def test_unknown_json_is_a_404_json(client, page):
    response = client.get("/status/api/v2/nothing.json")
    assert response.status_code == 404
    assert json.loads(response.content) == {"error": "Not found."}


def test_drafts_never_appear_and_published_incidents_do(client, page):
    from django.utils import timezone

    from tocsin.statuspage.models import IncidentUpdate, PublicIncident

    draft = PublicIncident.objects.create(page=page, name="Draft <b>x</b>")
    IncidentUpdate.objects.create(incident=draft, status="investigating", body="secret draft")
    live = PublicIncident.objects.create(
        page=page, name="Checkout errors", published_at=timezone.now()
    )
    IncidentUpdate.objects.create(incident=live, status="investigating", body="Looking")
    render_page(page.pk)
    for name in ("summary", "incidents", "incidents/unresolved"):
        body = client.get(f"/status/api/v2/{name}.json").json()
        assert [i["name"] for i in body["incidents"]] == ["Checkout errors"]
        assert body["incidents"][0]["incident_updates"][0]["body"] == "Looking"
    assert b"secret draft" not in client.get("/status/api/v2/incidents.json").content


def test_incident_names_and_update_bodies_are_neutralised_on_the_page(client, page):
    from django.utils import timezone

    from tocsin.statuspage.models import IncidentUpdate, PublicIncident

    live = PublicIncident.objects.create(
        page=page, name="<img src=x onerror=alert(1)>", published_at=timezone.now()
    )
    IncidentUpdate.objects.create(
        incident=live, status="identified", body="**Found** it <script>alert(2)</script>"
    )
    render_page(page.pk)
    html = client.get("/status/").content.decode()
    assert "<strong>Found</strong>" in html
    assert "<script>alert(2)" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_page_that_is_not_public_needs_sign_in(client, page):
    page.public = False
    page.save()
    render_page(page.pk)
    assert client.get("/status/api/v2/summary.json").status_code == 401
    response = client.get("/status/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_page_shows_components_by_group_with_their_uptime_and_the_feeds(client, page):
    from datetime import timedelta

    from django.utils import timezone

    from tocsin.statuspage.models import ComponentGroup, ComponentStatusChange

    payments = ComponentGroup.objects.create(page=page, name="Payments")
    two_days_ago = timezone.now() - timedelta(days=2)
    checkout = Component.objects.create(
        page=page, name="Checkout", group=payments, created_at=two_days_ago - timedelta(days=1)
    )
    hidden = Component.objects.create(page=page, name="Refunds", only_show_if_degraded=True)
    ComponentStatusChange.objects.create(component=checkout, status="major_outage", at=two_days_ago)
    ComponentStatusChange.objects.create(
        component=checkout, status="operational", at=two_days_ago + timedelta(hours=12)
    )
    render_page(page.pk)
    html = client.get("/status/").content.decode()
    assert "All systems operational" in html
    assert html.index("Payments") < html.index("Checkout")
    assert hidden.name not in html  # operational, and shown only when degraded
    assert html.count('class="bar ') == 90
    assert "no data" in html  # the days before the component existed
    assert "% uptime over 90 days" in html
    assert 'href="/status/history.atom"' in html and 'href="/status/subscribe"' in html
    assert "<script" not in html


def test_a_render_in_another_process_is_served_once_the_copy_is_no_longer_fresh(client, page):
    Component.objects.create(page=page, name="Checkout")
    render_page(page.pk)
    assert client.get("/status/api/v2/status.json").json()["status"]["indicator"] == "none"
    # Another process renders (stores the files without touching this process's copies) ...
    Component.objects.filter(page=page).update(status="major_outage")
    links = served("/status/")
    for name, (content, content_type) in build(
        page, "/status/", index_links=links, history_links=links
    ).items():
        _store(page, name, content, content_type)
    # ... this one serves its fresh copy once more, and the new file once it is not fresh.
    assert client.get("/status/api/v2/status.json").json()["status"]["indicator"] == "none"
    for copy in copies._files.values():
        copy.checked -= copies.FRESH
    assert client.get("/status/api/v2/status.json").json()["status"]["indicator"] == "critical"


def test_a_page_with_many_past_incidents_still_shows_each_where_it_belongs(client, page):
    """Only the newest incidents are read with their updates when the page is rendered; an old
    one that is still open is on the page with its update, and every one is in the history."""
    from datetime import timedelta

    from django.utils import timezone

    from tocsin.statuspage.models import IncidentUpdate, PublicIncident
    from tocsin.statuspage.snapshot.render import DETAILED

    now = timezone.now()
    old_open = PublicIncident.objects.create(
        page=page,
        name="Still open from long ago",
        status="monitoring",
        started_at=now - timedelta(days=400),
        published_at=now - timedelta(days=400),
    )
    IncidentUpdate.objects.create(incident=old_open, status="monitoring", body="Still watching.")
    for n in range(DETAILED + 5):
        at = now - timedelta(days=10, hours=n)
        past = PublicIncident.objects.create(
            page=page,
            name=f"Past {n}",
            status="resolved",
            started_at=at,
            published_at=at,
            resolved_at=at + timedelta(hours=1),
        )
        IncidentUpdate.objects.create(incident=past, status="resolved", body=f"Fixed {n}.")
    render_page(page.pk)
    html = client.get("/status/").content.decode()
    assert "Still open from long ago" in html and "Still watching." in html
    unresolved = client.get("/status/api/v2/incidents/unresolved.json").json()["incidents"]
    assert [i["incident_updates"][0]["body"] for i in unresolved] == ["Still watching."]
    listed = client.get("/status/api/v2/incidents.json").json()["incidents"]
    assert len(listed) == 50 and listed[0]["name"] == "Past 0"
    assert all(i["incident_updates"] for i in listed)
    history = client.get("/status/history").content.decode()
    assert all(f"Past {n}<" in history for n in range(DETAILED + 5))
    oldest = PublicIncident.objects.get(name=f"Past {DETAILED + 4}")
    assert (
        f"Fixed {DETAILED + 4}." in client.get(f"/status/incidents/{oldest.code}").content.decode()
    )
    atom = client.get("/status/history.atom").content.decode()
    assert "Fixed 0." in atom and atom.count("<entry>") == 100
