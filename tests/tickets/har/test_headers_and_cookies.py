"""Headers and cookies: the values go, the names stay, so the file still says what was sent."""

import json

import pytest

from tocsin.tickets.har import redact_har


def redacted_entry(data: bytes) -> dict:
    return json.loads(redact_har(data).content)["log"]["entries"][0]


def test_a_cookie_header_keeps_the_cookies_names(har, entry):
    data = har(entry(request_headers=[("Cookie", "sessionid=abc123; theme=dark")]))

    result = redact_har(data)

    [header] = redacted_entry(data)["request"]["headers"]
    assert header == {"name": "Cookie", "value": "sessionid=[redacted]; theme=[redacted]"}
    assert result.report.counts == {"cookie header": 1}
    assert b"abc123" not in result.content and b"dark" not in result.content


def test_set_cookie_keeps_how_the_cookie_is_kept_but_not_what_it_holds(har, entry):
    line = "sid=s3cr3t; Path=/; Expires=Wed, 09 Jun 2027 10:18:14 GMT; HttpOnly; Flavour=mint"
    data = har(entry(response_headers=[("set-cookie", line), ("Set-Cookie", "a=1\nb=2")]))

    headers = redacted_entry(data)["response"]["headers"]

    assert [header["value"] for header in headers] == [
        "sid=[redacted]; Path=/; Expires=Wed, 09 Jun 2027 10:18:14 GMT; HttpOnly; "
        "Flavour=[redacted]",
        "a=[redacted]\nb=[redacted]",
    ]
    assert redact_har(data).report.summary() == "2 Set-Cookie headers"


def test_an_emptied_cookie_has_nothing_to_hide(har, entry):
    data = har(entry(response_headers=[("Set-Cookie", "sid=; Path=/; Max-Age=0")]))

    result = redact_har(data)

    assert result.report.summary() == "nothing removed"
    assert result.content == data


def test_each_cookie_of_the_cookies_arrays_counts(har, entry):
    data = har(
        entry(
            request_cookies=[("sessionid", "abc"), ("theme", "dark")],
            response_cookies=[("sessionid", "def"), ("csrftoken", "ghi")],
        )
    )

    result = redact_har(data)

    after = redacted_entry(data)
    assert after["request"]["cookies"] == [
        {"name": "sessionid", "value": "[redacted]"},
        {"name": "theme", "value": "[redacted]"},
    ]
    assert [cookie["value"] for cookie in after["response"]["cookies"]] == ["[redacted]"] * 2
    assert result.report.summary() == "4 cookies"


def test_cookie_fields_other_than_the_value_stay(har, entry):
    document = json.loads(har(entry()))
    document["log"]["entries"][0]["response"]["cookies"] = [
        {"name": "sid", "value": "abc", "path": "/", "httpOnly": True, "secure": True}
    ]

    result = redact_har(json.dumps(document).encode())

    [cookie] = json.loads(result.content)["log"]["entries"][0]["response"]["cookies"]
    assert cookie == {
        "name": "sid",
        "value": "[redacted]",
        "path": "/",
        "httpOnly": True,
        "secure": True,
    }


@pytest.mark.parametrize(
    ("name", "value", "kept", "category"),
    [
        ("Authorization", "Bearer abc.def.ghi", "Bearer [redacted]", "authorization header"),
        ("authorization", "Basic YWxpY2U6aHVudGVyMg==", "Basic [redacted]", "authorization header"),
        ("Authorization", "abcdef", "[redacted]", "authorization header"),
        (
            "Proxy-Authorization",
            "Basic cHJveHk6cGFzcw==",
            "Basic [redacted]",
            "proxy-authorization header",
        ),
    ],
)
def test_authorization_headers_keep_only_their_scheme(har, entry, name, value, kept, category):
    data = har(entry(request_headers=[(name, value)]))

    result = redact_har(data)

    assert redacted_entry(data)["request"]["headers"] == [{"name": name, "value": kept}]
    assert result.report.counts == {category: 1}


@pytest.mark.parametrize(
    "name",
    [
        "X-Api-Key",
        "X-Auth-Token",
        "X-CSRF-Token",
        "X-XSRF-TOKEN",
        "X-Session-Id",
        "X-Amz-Security-Token",
        "Ocp-Apim-Subscription-Key",
        "X-Client-Secret",
        "X-Hub-Signature-256",
        "apikey",
        "X-Key",
    ],
)
def test_a_header_named_like_a_secret_loses_its_value(har, entry, name):
    data = har(entry(request_headers=[(name, "value-4711")]))

    result = redact_har(data)

    assert redacted_entry(data)["request"]["headers"] == [{"name": name, "value": "[redacted]"}]
    assert result.report.summary() == "1 secret header"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Accept", "application/json"),
        ("Keep-Alive", "timeout=5"),
        (":authority", "shop.example.com"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Headers", "authorization, x-api-key"),
        ("Content-Type", "text/html; charset=utf-8"),
        ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"),
        ("X-Request-Id", "8f14e45f"),
        ("WWW-Authenticate", 'Bearer realm="shop"'),
    ],
)
def test_other_headers_are_kept(har, entry, name, value):
    data = har(entry(request_headers=[(name, value)], response_headers=[(name, value)]))

    result = redact_har(data)

    assert result.report.summary() == "nothing removed"
    assert result.content == data
