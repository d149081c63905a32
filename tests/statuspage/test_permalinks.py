"""Each published incident and maintenance has its own public page (the JSON's `shortlink`),
and /status/history lists them all; drafts and internal details stay out."""

import re

import pytest

from tocsin.statuspage import services
from tocsin.statuspage.models import Component, ComponentStatus, IncidentStatus
from tocsin.statuspage.snapshot import render_page

PARTIAL = ComponentStatus.PARTIAL_OUTAGE


@pytest.fixture
def published(inc_12_published):
    return inc_12_published


@pytest.fixture
def sunday(card_upgrade):
    return card_upgrade


def test_the_shortlink_of_a_published_incident_is_its_page(client, published, incident):
    summary = client.get("/status/api/v2/summary.json").json()
    shortlink = summary["incidents"][0]["shortlink"]
    assert shortlink == f"/status/incidents/{published.code}"
    response = client.get(shortlink)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert "Checkout returns errors" in html
    assert "Investigating" in html and "Impact: major" in html
    assert "Affected: Checkout" in html
    assert "<strong>cannot</strong>" in html  # Markdown rendered
    assert "<script>alert(1)" not in html  # and sanitised
    assert incident.reference not in html and "Alice" not in html  # nothing internal


def test_a_permalink_has_an_etag_and_answers_304(client, published):
    first = client.get(f"/status/incidents/{published.code}")
    assert first["Cache-Control"].startswith("public, max-age=10")
    again = client.get(f"/status/incidents/{published.code}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]


def test_an_update_changes_the_permalink(client, published, lead, told):
    before = client.get(f"/status/incidents/{published.code}")
    services.post_update(
        public_incident=published, by=lead, status=IncidentStatus.IDENTIFIED, body="Found it."
    )
    after = client.get(f"/status/incidents/{published.code}", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert "Identified" in after.content.decode() and "Found it." in after.content.decode()


def test_drafts_and_unknown_codes_are_not_found(client, page, lead, incident, checkout_component):
    draft = services.publish(
        page=page,
        by=lead,
        name="Not yet public",
        status=IncidentStatus.INVESTIGATING,
        body="Draft.",
        component_statuses={checkout_component: PARTIAL},
        incident=incident,
        draft=True,
    )
    assert client.get(f"/status/incidents/{draft.code}").status_code == 404
    assert client.get("/status/incidents/nothing").status_code == 404
    assert client.get("/status/maintenances/nothing").status_code == 404


def test_a_maintenance_permalink_shows_its_window_and_state(client, sunday):
    summary = client.get("/status/api/v2/summary.json").json()
    shortlink = summary["scheduled_maintenances"][0]["shortlink"]
    html = client.get(shortlink).content.decode()
    assert "Card processor upgrade" in html and "Scheduled" in html
    assert "Affected: Card processing" in html and "Payments may be slow." in html
    assert sunday.scheduled_for.strftime("%Y-%m-%d") in html


def test_hidden_components_are_not_named_on_a_permalink(client, published, page, admin):
    Component.objects.filter(pk__in=published.components.all()).update(visible=False)
    html = client.get(f"/status/incidents/{published.code}").content.decode()
    assert "Affected:" not in html


def test_history_lists_every_incident_and_maintenance_with_its_link(client, published, sunday):
    html = client.get("/status/history").content.decode()
    assert f'href="/status/incidents/{published.code}"' in html
    assert f'href="/status/maintenances/{sunday.code}"' in html
    index = client.get("/status/").content.decode()
    assert 'href="/status/history"' in index
    assert f'href="/status/incidents/{published.code}"' in index


def test_every_link_in_the_feeds_and_on_the_page_answers(client, published, sunday):
    for name in ("history.atom", "history.rss", "", "history"):
        body = client.get(f"/status/{name}").content.decode()
        links = set(re.findall(r'(?:href="|<link>|<id>)(/status/[^"<]*)', body))
        links |= {
            link.removeprefix("http://testserver")
            for link in re.findall(r'(?:href="|<link>)(http://testserver/status/[^"<]*)', body)
        }
        assert links, name
        for link in links:
            assert client.get(link).status_code == 200, (name, link)


def test_a_page_that_needs_sign_in_keeps_its_permalinks_private(client, published, page, admin):
    page.public = False
    page.save()
    response = client.get(f"/status/incidents/{published.code}")
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(admin)
    assert client.get(f"/status/incidents/{published.code}").status_code == 200


def test_a_page_rendered_before_history_existed_renders_it_when_asked(client, published, page):
    page.snapshots.filter(name="history.html").delete()
    assert client.get("/status/history").status_code == 200


def test_rendering_writes_exactly_the_files_the_page_serves(published, page):
    from tocsin.statuspage.snapshot.render import FILES

    assert set(page.snapshots.values_list("name", flat=True)) == set(FILES)


def test_a_resolved_incident_keeps_its_impact_everywhere(client, published, lead, page, told):
    services.resolve_public_incident(public_incident=published, by=lead, body="Fixed.")
    render_page(page.pk)
    published.refresh_from_db()
    assert services.impact(published) == "major"  # what it was, not what is now
    listed = client.get("/status/api/v2/incidents.json").json()["incidents"][0]
    assert listed["status"] == "resolved" and listed["impact"] == "major"
    assert "Impact: major" in client.get(f"/status/incidents/{published.code}").content.decode()
