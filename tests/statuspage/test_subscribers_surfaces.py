"""Where subscribers are managed besides the subscribers page: the REST API (count, list,
export, add a webhook, remove), the admin's "Add a webhook" form, and a visitor's webhook on
the public subscribe page. A webhook's secret is answered once and never again."""

import pytest

from tests.support.web import BASE_URL
from tocsin.statuspage.models import Subscriber

HOOK = "https://hooks.example.net/status"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = BASE_URL


# -- the REST API -----------------------------------------------------------------------------


def test_anyone_signed_in_reads_the_count(api_as, viewer, subscribers):
    response = api_as(viewer).get("/status/subscribers/count")
    assert response.status_code == 200
    assert response.json() == {"confirmed": 1, "unconfirmed": 1}


def test_an_admin_lists_who_subscribed(api_as, admin, subscribers, checkout_component):
    listed = api_as(admin).get("/status/subscribers")
    assert listed.status_code == 200
    by_address = {s["address"]: s for s in listed.json()}
    assert set(by_address) == {"=cmd@example.net", "waiting@example.net"}
    ops = by_address["=cmd@example.net"]
    assert ops["id"] == subscribers.code and ops["kind"] == "email"
    assert ops["components"] == [checkout_component.code]
    assert ops["confirmed_at"].startswith("2026-01-02")
    assert by_address["waiting@example.net"]["confirmed_at"] is None


@pytest.mark.parametrize("who", ["lead", "member", "viewer"])
def test_addresses_are_for_admins_only(api_as, who, request, subscribers):
    api = api_as(request.getfixturevalue(who))
    assert api.get("/status/subscribers").status_code == 403
    assert api.get("/status/subscribers/export.csv").status_code == 403
    assert api.delete(f"/status/subscribers/{subscribers.code}").status_code == 403
    assert api.post("/status/subscribers/webhooks", {"url": HOOK}).status_code == 403
    assert Subscriber.objects.count() == 2


def test_an_admin_exports_the_csv(api_as, admin, subscribers):
    response = api_as(admin).get("/status/subscribers/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == "id,kind,address,components,subscribed_at,confirmed_at"
    assert any(
        line.startswith(f"{subscribers.code},email,'=cmd@example.net,Checkout,") for line in lines
    )


def test_an_admin_subscribes_a_webhook_and_sees_its_secret_once(
    api_as, admin, page, checkout_component
):
    api = api_as(admin)
    created = api.post(
        "/status/subscribers/webhooks", {"url": HOOK, "components": [checkout_component.code]}
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    subscriber = Subscriber.objects.get(code=body["id"])
    assert body["secret"] == subscriber.secret and len(body["secret"]) == 64
    assert body["kind"] == "webhook" and body["address"] == HOOK
    assert body["components"] == [checkout_component.code]
    assert body["confirmed_at"] == body["created_at"]  # confirmed at once
    assert body["unsubscribe"].startswith(f"{BASE_URL}/status/unsubscribe/")
    listed = api.get("/status/subscribers").json()
    assert [s["address"] for s in listed] == [HOOK]
    assert "secret" not in listed[0]
    assert body["secret"] not in api.get("/status/subscribers/export.csv").text


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"url": "ftp://hooks.example.net/"}, 422, "url"),
        ({"url": "http://10.0.0.5/hook"}, 422, "url"),
        ({"url": ""}, 422, "url"),
        ({"url": HOOK, "components": ["nope"]}, 422, "components"),
        ({"url": HOOK, "page": "nope"}, 422, "page"),
        ({"url": HOOK, "secret": "mine"}, 422, "secret"),
        ({}, 422, "url"),
    ],
)
def test_a_bad_webhook_is_refused_and_adds_nothing(
    api_as, admin, page, settings, payload, status, field
):
    settings.WEBHOOK_ALLOW_PRIVATE = ""
    settings.WEBHOOK_ALLOWED_NETWORKS = ""
    response = api_as(admin).post("/status/subscribers/webhooks", payload)
    assert response.status_code == status, response.json()
    assert response.json()["error"]["field"] == field
    assert not Subscriber.objects.exists()


def test_the_same_url_twice_is_a_conflict(api_as, admin, page):
    api = api_as(admin)
    assert api.post("/status/subscribers/webhooks", {"url": HOOK}).status_code == 201
    again = api.post("/status/subscribers/webhooks", {"url": HOOK})
    assert again.status_code == 409 and again.json()["error"]["field"] == "url"
    assert Subscriber.objects.count() == 1


def test_an_admin_removes_a_subscriber(api_as, admin, subscribers):
    api = api_as(admin)
    assert api.delete(f"/status/subscribers/{subscribers.code}").status_code == 204
    assert not Subscriber.objects.filter(pk=subscribers.pk).exists()
    assert api.delete(f"/status/subscribers/{subscribers.code}").status_code == 404
    assert Subscriber.objects.count() == 1


# -- the admin's web form ---------------------------------------------------------------------


def test_an_admin_adds_a_webhook_on_the_subscribers_page(signed_in, admin, page):
    client = signed_in(admin)
    assert "Add a webhook" in client.get("/statuspage/subscribers/").content.decode()
    response = client.post("/statuspage/subscribers/webhooks/", {"url": HOOK})
    assert response.status_code == 201
    subscriber = Subscriber.objects.get(url=HOOK)
    html = response.content.decode()
    assert "Webhook subscribed" in html and subscriber.secret in html
    assert response["Cache-Control"] == "no-store"
    # Shown once: the list afterwards names the URL, never the secret.
    later = client.get("/statuspage/subscribers/").content.decode()
    assert HOOK in later and subscriber.secret not in later


def test_a_bad_url_on_the_form_is_a_form_error(signed_in, admin, page):
    response = signed_in(admin).post("/statuspage/subscribers/webhooks/", {"url": "ftp://x/"})
    assert response.status_code == 422
    assert "https:// or http://" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_a_lead_may_not_add_a_webhook(signed_in, lead, page):
    response = signed_in(lead).post("/statuspage/subscribers/webhooks/", {"url": HOOK})
    assert response.status_code == 403
    assert not Subscriber.objects.exists()


# -- a visitor's webhook on the public subscribe page -----------------------------------------


def test_a_visitor_subscribes_a_webhook_from_the_public_page(client, page, checkout_component):
    form = client.get("/status/subscribe").content.decode()
    assert 'name="webhook_url"' in form
    response = client.post(
        "/status/subscribe", {"webhook_url": HOOK, "components": [checkout_component.code]}
    )
    assert response.status_code == 201
    subscriber = Subscriber.objects.get(url=HOOK)
    assert subscriber.confirmed_at is not None
    assert list(subscriber.components.all()) == [checkout_component]
    html = response.content.decode()
    assert subscriber.secret in html and "/status/unsubscribe/" in html
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_visitor_subscribes_a_webhook_as_json(client, page):
    response = client.post(
        "/status/subscribe", {"webhook_url": HOOK}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    subscriber = Subscriber.objects.get(code=body["id"])
    assert body["secret"] == subscriber.secret
    unsubscribe = body["unsubscribe"].removeprefix(BASE_URL)
    assert client.post(unsubscribe).status_code in (200, 303)
    assert not Subscriber.objects.exists()


def test_a_visitors_internal_url_is_refused(client, page, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = ""
    settings.WEBHOOK_ALLOWED_NETWORKS = ""
    response = client.post("/status/subscribe", {"webhook_url": "http://169.254.169.254/"})
    assert response.status_code == 422
    assert "internal addresses" in response.content.decode()
    as_json = client.post(
        "/status/subscribe",
        {"webhook_url": "http://127.0.0.1/"},
        HTTP_ACCEPT="application/json",
    )
    assert as_json.status_code == 422 and as_json.json()["error"]["field"] == "url"
    assert not Subscriber.objects.exists()


def test_a_visitors_webhooks_are_rate_limited_per_client(client, page):
    from tocsin.statuspage.subscribers import limits

    for n in range(limits.PER_CLIENT.requests):
        url = f"https://hooks.example.net/{n}"
        assert client.post("/status/subscribe", {"webhook_url": url}).status_code == 201
    refused = client.post(
        "/status/subscribe",
        {"webhook_url": "https://hooks.example.net/one-more"},
        HTTP_ACCEPT="application/json",
    )
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in refused
    assert Subscriber.objects.count() == limits.PER_CLIENT.requests


def test_the_public_webhook_form_needs_its_csrf_token(page):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    refused = browser.post("/status/subscribe", {"webhook_url": HOOK})
    assert refused.status_code == 403
    form = browser.get("/status/subscribe")
    token = form.context["csrf_token"]
    accepted = browser.post(
        "/status/subscribe", {"webhook_url": HOOK, "csrfmiddlewaretoken": str(token)}
    )
    assert accepted.status_code == 201
    assert Subscriber.objects.filter(url=HOOK).count() == 1
