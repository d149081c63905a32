"""Signing in and out; every page but the sign-in page needs a signed-in person."""

import pytest
from django.urls import reverse

from tests.support.people import PASSWORD


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/incidents/",
        "/incidents/new/",
        "/incidents/1/",
        "/incidents/1/live/",
        "/teams/",
        "/teams/payments/",
        "/profile/",
    ],
)
def test_pages_send_strangers_to_the_sign_in_page(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")


def test_actions_send_strangers_to_the_sign_in_page_and_change_nothing(client, incident):
    response = client.post(reverse("incident-acknowledge", args=[incident.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert incident.refresh().acknowledged_by is None


def test_the_root_opens_the_incident_list(signed_in, member):
    response = signed_in(member).get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("incident-list")


def test_people_sign_in_with_their_email_and_password(client, member):
    page = client.get(reverse("login"))
    assert 'type="email"' in page.content.decode()

    response = client.post(reverse("login"), {"username": "BOB@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("incident-list")
    assert client.get(reverse("incident-list")).status_code == 200


def test_a_wrong_password_is_refused_with_a_message(client, member):
    response = client.post(reverse("login"), {"username": "bob@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "do not match an active account" in response.content.decode()
    assert client.get(reverse("incident-list")).status_code == 302


def test_signing_out_takes_a_post_and_ends_the_session(signed_in, member):
    client = signed_in(member)
    assert 'action="/logout/"' in client.get(reverse("incident-list")).content.decode()

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert client.get(reverse("incident-list")).status_code == 302
