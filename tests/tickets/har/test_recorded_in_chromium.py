"""A HAR file Chromium really recorded: Alice opens a shop that sets three cookies, its script
calls the API with a Bearer JWT, posts a JSON body with a token, gets an access token back and
sends it in a query string, and she signs in through a form with her password."""

import json
from urllib.parse import urlsplit

import pytest

from tocsin.tickets.har import redact_har

pytestmark = pytest.mark.browser


def test_no_secret_of_the_session_is_left_in_the_file(recorded_har, shop):
    recorded = recorded_har.decode()
    for name, value in shop.secrets.items():
        assert value in recorded, f"the recording should hold the {name}"

    redacted = redact_har(recorded_har).content.decode()

    for name, value in shop.secrets.items():
        assert value not in redacted, f"the {name} is still in the file"


def test_the_report_counts_what_the_page_did(recorded_har, shop):
    first, *later = shop.received
    assert first[:2] == ("GET", "/")
    # Every request after the first sends the three cookies back, in one Cookie header.
    assert all("cookie" in headers for _, _, headers, _ in later)
    assert sum("authorization" in headers for _, _, headers, _ in shop.received) == 1
    assert [(method, urlsplit(path).path) for method, path, _, _ in later] == [
        ("GET", "/api/profile"),
        ("POST", "/api/session"),
        ("GET", "/api/items"),
        ("POST", "/login"),
    ]

    report = redact_har(recorded_har).report

    assert report.counts == {
        "cookie": len(shop.cookies) * (1 + len(later)),
        "cookie header": len(later),
        "set-cookie header": len(shop.cookies),
        "authorization header": 1,
        "query string token": 1,  # ?access_token=
        "password field": 1,  # the login form
        "secret field": 2,  # "token" in the JSON body, "access_token" in the JSON answer
        "jwt": 1,  # in the page's script
    }
    assert report.summary() == (
        "15 cookies, 4 Cookie headers, 3 Set-Cookie headers, 1 Authorization header, "
        "1 token in a query string, 1 password field, 2 secret fields, 1 JWT"
    )
    assert report.entries == 5


def test_what_is_not_secret_is_kept(recorded_har, shop):
    before = json.loads(recorded_har)["log"]
    after = json.loads(redact_har(recorded_har).content)["log"]

    assert after["creator"] == before["creator"]
    assert len(after["entries"]) == len(before["entries"]) == 5
    for old, new in zip(before["entries"], after["entries"], strict=True):
        assert new["request"]["method"] == old["request"]["method"]
        assert urlsplit(new["request"]["url"]).path == urlsplit(old["request"]["url"]).path
        assert new["response"]["status"] == old["response"]["status"] == 200
        assert new["timings"] == old["timings"]
        assert [h["name"] for h in new["request"]["headers"]] == [
            h["name"] for h in old["request"]["headers"]
        ]
    home, profile, session, items, login = after["entries"]
    assert {"name": "page", "value": "2"} in items["request"]["queryString"]
    assert items["request"]["url"].endswith("/api/items?access_token=%5Bredacted%5D&page=2")
    assert json.loads(items["response"]["content"]["text"]) == {
        "page": 2,
        "items": ["blue mug", "red scarf"],
    }
    assert json.loads(session["response"]["content"]["text"]) == {
        "access_token": "[redacted]",
        "token_type": "Bearer",
        "expires_in": 3600,
    }
    assert json.loads(session["request"]["postData"]["text"]) == {
        "user": "alice",
        "token": "[redacted]",
    }
    assert {"name": "username", "value": "alice"} in login["request"]["postData"]["params"]
    assert "Welcome, alice" in login["response"]["content"]["text"]
    assert {"name": "Authorization", "value": "Bearer [redacted]"} in profile["request"]["headers"]
    assert [h["value"] for h in home["response"]["headers"] if h["name"] == "Set-Cookie"] == [
        "session=[redacted]; Path=/; HttpOnly; SameSite=Lax",
        "xsrf_token=[redacted]; Path=/; SameSite=Lax",
        "basket=[redacted]; Path=/; Max-Age=3600",
    ]
    assert [c["name"] for c in home["response"]["cookies"]] == list(shop.cookies)
    assert '<input type="password" name="password">' in home["response"]["content"]["text"]
