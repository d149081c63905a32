"""Status pages themselves: admins add pages and change their settings (name, address, who may
read it, its time zone, whether internal incident numbers and authors are shown); the public
files follow."""

import pytest

from tocsin.statuspage import services
from tocsin.statuspage.models import Page
from tocsin.statuspage.snapshot import render_page


@pytest.fixture
def published(inc_12_published):
    return inc_12_published


def _settings(page: Page) -> dict:
    page.refresh_from_db()
    return {
        f: getattr(page, f)
        for f in ("name", "slug", "description", "public", "time_zone", "is_default")
        + ("show_incident_numbers", "show_authors")
    }


# -- the REST API -----------------------------------------------------------------------------


def test_an_admin_lists_the_pages_and_reads_one(api_as, admin, page):
    api = api_as(admin)
    listed = api.get("/status/pages")
    assert listed.status_code == 200
    assert [p["slug"] for p in listed.json()] == [page.slug]
    one = api.get(f"/status/pages/{page.slug}").json()
    assert one["is_default"] is True and one["url"].endswith("/status/")
    assert one["public"] is True and one["time_zone"] == "UTC"
    assert one["show_incident_numbers"] is False and one["show_authors"] is False
    assert api.get("/status/pages/nope").status_code == 404


def test_an_admin_adds_an_internal_page_that_needs_sign_in(api_as, admin, page, client):
    api = api_as(admin)
    created = api.post(
        "/status/pages",
        {"name": "Internal", "slug": "internal", "public": False, "time_zone": "Europe/Paris"},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["url"].endswith("/status/pages/internal/") and body["is_default"] is False
    response = client.get("/status/pages/internal/")
    assert response.status_code == 302 and "/login" in response["Location"]
    assert client.get("/status/pages/internal/api/v2/summary.json").status_code in (401, 403)
    client.force_login(admin)
    html = client.get("/status/pages/internal/").content.decode()
    assert "<h1>Internal</h1>" in html
    assert client.get("/status/").status_code == 200  # the default page did not move


def test_making_another_page_the_default_moves_the_address(api_as, admin, page, client):
    api = api_as(admin)
    api.post("/status/pages", {"name": "Customers", "slug": "customers"})
    changed = api.patch("/status/pages/customers", {"is_default": True})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["url"].endswith("/status/")
    page.refresh_from_db()
    assert page.is_default is False
    assert "<h1>Customers</h1>" in client.get("/status/").content.decode()
    assert f"<h1>{page.name}</h1>" in client.get(f"/status/pages/{page.slug}/").content.decode()
    summary = client.get("/status/api/v2/summary.json").json()
    assert summary["page"]["name"] == "Customers"


def test_the_default_page_cannot_be_made_not_the_default(api_as, admin, page):
    before = _settings(page)
    response = api_as(admin).patch(f"/status/pages/{page.slug}", {"is_default": False})
    assert response.status_code == 422
    assert "default" in response.json()["error"]["message"]
    assert _settings(page) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slug": "Not A Slug"}, "slug"),
        ({"slug": "x" * 51}, "slug"),
        ({"slug": ""}, "slug"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"public": "yes"}, "public"),
        ({"show_authors": 1}, "show_authors"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(api_as, admin, page, change, field):
    before = _settings(page)
    response = api_as(admin).patch(f"/status/pages/{page.slug}", change)
    assert response.status_code == 422, response.json()
    assert response.json()["error"]["field"] == field
    assert _settings(page) == before


def test_a_slug_already_taken_is_a_conflict(api_as, admin, page):
    api = api_as(admin)
    created = api.post("/status/pages", {"name": "Second", "slug": page.slug})
    assert created.status_code == 409 and "slug" in created.json()["error"]["message"]
    assert Page.objects.count() == 1


@pytest.mark.parametrize("who", ["lead", "member", "viewer"])
def test_only_admins_change_pages(api_as, page, who, request):
    api = api_as(request.getfixturevalue(who))
    before = _settings(page)
    assert api.patch(f"/status/pages/{page.slug}", {"name": "Mine"}).status_code == 403
    assert api.post("/status/pages", {"name": "Mine", "slug": "mine"}).status_code == 403
    assert _settings(page) == before and Page.objects.count() == 1
    assert api.get("/status/pages").status_code == 200  # reading is fine


# -- what the settings change on the public page ----------------------------------------------


def test_nothing_internal_is_shown_by_default(client, published, incident, lead):
    services.post_update(
        public_incident=published, by=lead, status="identified", body="We found the cause."
    )
    render_page(published.page_id)
    for url in ("/status/", f"/status/incidents/{published.code}", "/status/history"):
        html = client.get(url).content.decode()
        assert incident.reference not in html, url
        assert "Alice" not in html, url


def test_a_page_may_show_incident_numbers_and_authors(api_as, admin, client, published, lead):
    services.post_update(
        public_incident=published, by=lead, status="identified", body="We found the cause."
    )
    changed = api_as(admin).patch(
        f"/status/pages/{published.page.slug}",
        {"show_incident_numbers": True, "show_authors": True},
    )
    assert changed.status_code == 200
    render_page(published.page_id)  # what the commit asked for
    reference = f"INC-{published.incident_id}"
    for url in ("/status/", f"/status/incidents/{published.code}", "/status/history"):
        assert reference in client.get(url).content.decode(), url
    for url in ("/status/", f"/status/incidents/{published.code}"):
        assert "by Alice Novak" in client.get(url).content.decode(), url


def test_dates_are_shown_in_the_page_time_zone(api_as, admin, client, published):
    at = published.updates.get().display_at
    api_as(admin).patch(f"/status/pages/{published.page.slug}", {"time_zone": "Asia/Tokyo"})
    render_page(published.page_id)
    html = client.get(f"/status/incidents/{published.code}").content.decode()
    from zoneinfo import ZoneInfo

    tokyo = at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert tokyo.strftime("%Y-%m-%d %H:%M") + " JST" in html
    assert f'datetime="{tokyo.strftime("%Y-%m-%dT%H:%M")}' in html and "+09:00" in html


def test_changing_a_setting_renders_the_page_again(api_as, admin, page, rerendered):
    api_as(admin).patch(f"/status/pages/{page.slug}", {"description": "What is up."})
    assert rerendered == [page.slug]


# -- the settings page on the web -------------------------------------------------------------


def _form(page: Page, **change) -> dict:
    form = {
        "name": page.name,
        "slug": page.slug,
        "description": page.description,
        "time_zone": page.time_zone,
        "public": "on" if page.public else "",
    }
    form.update(change)
    return {k: v for k, v in form.items() if v != ""}


def test_an_admin_changes_the_settings_on_the_web(signed_in, admin, page, client):
    web = signed_in(admin)
    html = web.get("/statuspage/settings/").content.decode()
    assert 'name="time_zone"' in html and 'value="UTC"' in html
    response = web.post(
        "/statuspage/settings/",
        _form(page, name="Acme status", time_zone="Europe/Paris", show_incident_numbers="on"),
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.name == "Acme status" and page.time_zone == "Europe/Paris"
    assert page.show_incident_numbers is True and page.show_authors is False
    assert page.public is True and page.is_default is True


def test_a_bad_setting_on_the_web_is_a_form_error(signed_in, admin, page):
    before = _settings(page)
    response = signed_in(admin).post(
        "/statuspage/settings/", _form(page, slug="Bad Slug", time_zone="Nowhere/Else")
    )
    assert response.status_code == 422
    assert "lower-case letters" in response.content.decode()
    assert _settings(page) == before


def test_an_admin_adds_a_page_on_the_web_and_can_make_it_the_default(signed_in, admin, page):
    web = signed_in(admin)
    created = web.post(
        "/statuspage/pages/new/",
        {"name": "Internal", "slug": "internal", "time_zone": "UTC"},
    )
    assert created.status_code == 302 and created["Location"].endswith("?page=internal")
    internal = Page.objects.get(slug="internal")
    assert internal.public is False and internal.is_default is False
    taken = web.post(
        "/statuspage/pages/new/", {"name": "Again", "slug": "internal", "time_zone": "UTC"}
    )
    assert taken.status_code == 422 and "another status page has the slug" in taken.content.decode()
    moved = web.post("/statuspage/settings/?page=internal", _form(internal, is_default="on"))
    assert moved.status_code == 302
    internal.refresh_from_db()
    page.refresh_from_db()
    assert internal.is_default is True and page.is_default is False


@pytest.mark.parametrize("who", ["lead", "viewer"])
def test_who_is_not_an_admin_reads_the_settings_but_changes_nothing(signed_in, page, who, request):
    web = signed_in(request.getfixturevalue(who))
    html = web.get("/statuspage/settings/").content.decode()
    assert (
        "Only admins change a status page's settings." in html
        and "<form" not in html.split("who-may-act")[1]
    )
    before = _settings(page)
    assert web.post("/statuspage/settings/", _form(page, name="Mine")).status_code == 403
    assert (
        web.post(
            "/statuspage/pages/new/", {"name": "Mine", "slug": "mine", "time_zone": "UTC"}
        ).status_code
        == 403
    )
    assert _settings(page) == before and Page.objects.count() == 1


@pytest.mark.parametrize(
    "path",
    ["", "history", "history.atom", "history.rss", "subscribe", "incidents/{code}"],
)
def test_a_page_that_needs_sign_in_keeps_all_of_it_private(api_as, admin, client, published, path):
    api_as(admin).patch(f"/status/pages/{published.page.slug}", {"public": False})
    render_page(published.page_id)
    response = client.get("/status/" + path.format(code=published.code))
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(admin)
    assert client.get("/status/" + path.format(code=published.code)).status_code == 200
