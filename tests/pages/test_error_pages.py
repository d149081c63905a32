"""Errors on the web pages are pages inside the layout, with the navigation; the addresses
programs use (/api/, /v2/) keep answering them in JSON."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.web import body, page_text


@pytest.fixture
def quiet_client(settings):
    """A client that gets the 500 page a browser would, instead of the exception."""
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def test_a_missing_page_is_a_404_inside_the_layout_with_the_navigation(signed_in, member):
    response = signed_in(member).get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    html = body(response)
    assert '<nav class="mainnav" aria-label="Main">' in html
    assert "Bob Okafor" in html
    assert "There is nothing here" in page_text(response)
    assert '<code class="break">/no-such-page/</code>' in html
    assert '<link rel="stylesheet" href="/static/tocsin/tocsin.css">' in html


def test_a_missing_incident_is_the_same_404_page(signed_in, member):
    response = signed_in(member).get(reverse("incident-detail", args=[424242]))
    assert response.status_code == 404
    assert "There is nothing here" in page_text(response)


def test_a_user_content_path_is_escaped_on_the_404_page(signed_in, member):
    response = signed_in(member).get("/<script>alert(1)</script>/")
    assert response.status_code == 404
    assert "<script>alert(1)</script>" not in body(response)


@pytest.mark.parametrize("path", ["/api/v1/nope", "/v2/nope"])
def test_the_machine_addresses_still_answer_404_in_json(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_a_refusal_in_the_pages_is_a_403_inside_the_layout(signed_in, viewer):
    response = signed_in(viewer).get(reverse("incident-declare"))

    assert response.status_code == 403
    html = body(response)
    assert '<nav class="mainnav" aria-label="Main">' in html
    text = page_text(response)
    assert "You cannot do this" in text
    assert (
        "Vera Viewer is a viewer and may not change anything: viewers follow incidents but do "
        "not declare them."
    ) in text
    assert "Nothing was changed." in text


def test_a_viewer_posting_the_declare_form_is_refused_the_same_way(signed_in, viewer, payments, p1):
    response = signed_in(viewer).post(
        reverse("incident-declare"), {"title": "x", "severity": p1.pk, "team": payments.pk}
    )
    assert response.status_code == 403
    assert "You cannot do this" in page_text(response)


def test_a_failing_page_is_a_500_inside_the_layout(quiet_client, member, monkeypatch):
    def fail(**filters):
        raise RuntimeError("the list broke")

    monkeypatch.setattr("tocsin.pages.views.incidents_matching", fail)
    quiet_client.force_login(member)

    response = quiet_client.get(reverse("incident-list"))

    assert response.status_code == 500
    html = body(response)
    assert "Something went wrong on our side" in html
    assert '<nav class="mainnav" aria-label="Main">' in html
    assert "Bob Okafor" in html
    assert "the list broke" not in html  # no internals on the page


def test_the_500_page_draws_even_when_the_request_cannot_be_used(quiet_client, member, monkeypatch):
    """When drawing it with the person's navigation fails too, it is drawn without it."""
    from tocsin.pages import views

    def fail(**filters):
        raise RuntimeError("the list broke")

    def render_fails(*args, **kwargs):
        raise RuntimeError("the layout broke")

    monkeypatch.setattr(views, "incidents_matching", fail)
    monkeypatch.setattr(views, "render", render_fails)
    quiet_client.force_login(member)

    response = quiet_client.get(reverse("incident-list"))

    assert response.status_code == 500
    html = body(response)
    assert "Something went wrong on our side" in html
    assert 'href="/static/tocsin/tocsin.css"' in html  # still the layout
    assert '<nav class="mainnav"' not in html  # but nothing that needs the person


def test_a_failing_api_call_is_still_a_json_500(quiet_client, token_for, member, monkeypatch):
    def fail(**filters):
        raise RuntimeError("the list broke")

    monkeypatch.setattr("tocsin.incidents.api.incidents.incidents_matching", fail)
    response = quiet_client.get(
        "/api/v1/incidents", headers={"Authorization": f"Bearer {token_for(member)}"}
    )

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "internal_error"
