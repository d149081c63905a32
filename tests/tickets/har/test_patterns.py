"""Secrets recognised by their form wherever they are: JWTs and Bearer values."""

import json

from tocsin.tickets.har import redact_har


def test_a_jwt_is_found_anywhere(har, entry, jwt):
    content = {"mimeType": "text/html", "text": f'<script>const token = "{jwt}";</script>'}
    data = har(
        entry(
            f"https://shop.example.com/embed?t={jwt}",
            request_headers=[("X-Debug", f"forwarded {jwt}")],
            content=content,
            comment=f"copied from the console: {jwt}",
        ),
        pages=[{"id": "page_1", "title": f"https://shop.example.com/?t={jwt}"}],
    )

    result = redact_har(data)

    assert jwt.encode() not in result.content
    after = json.loads(result.content)["log"]
    [page] = after["pages"]
    assert page["title"] == "https://shop.example.com/?t=[redacted]"
    [entry_after] = after["entries"]
    assert entry_after["response"]["content"]["text"] == (
        '<script>const token = "[redacted]";</script>'
    )
    assert entry_after["request"]["headers"] == [
        {"name": "X-Debug", "value": "forwarded [redacted]"}
    ]
    # The same JWT four times in one entry is one JWT; the page title is another place.
    assert result.report.summary() == "2 JWTs"


def test_three_dotted_segments_that_are_not_a_jwt_are_kept(har, entry):
    text = (
        "see documentation.example.com.cached and "
        "aGVsbG8gd29ybGQgaGVsbG8.c29tZXRoaW5n.ZWxzZQ and v1.2.3-beta.build4711"
    )
    data = har(entry(content={"mimeType": "text/plain", "text": text}))

    result = redact_har(data)

    assert result.report.summary() == "nothing removed"
    assert result.content == data


def test_a_bearer_value_is_found_anywhere(har, entry):
    text = "curl -H 'Authorization: Bearer sk_live_51Hx9aBcDeFgHiJk' https://api.example.com"
    data = har(entry(content={"mimeType": "text/plain", "text": text}))

    result = redact_har(data)

    after = json.loads(result.content)["log"]["entries"][0]["response"]["content"]["text"]
    assert after == "curl -H 'Authorization: Bearer [redacted]' https://api.example.com"
    assert result.report.summary() == "1 Bearer token"


def test_bearer_is_found_in_any_case(har, entry):
    data = har(entry(content={"mimeType": "text/plain", "text": "bearer abcdefghijklmnop1"}))

    result = redact_har(data)

    assert b"abcdefghijklmnop1" not in result.content
    assert result.report.summary() == "1 Bearer token"


def test_a_secret_counts_under_the_first_thing_that_removes_it(har, entry, jwt):
    data = har(
        entry(
            f"https://shop.example.com/?token={jwt}",
            query_string=[("token", jwt)],
            request_headers=[("Authorization", f"Bearer {jwt}")],
        )
    )

    result = redact_har(data)

    assert jwt.encode() not in result.content
    assert result.report.summary() == "1 Authorization header, 1 token in a query string"


def test_a_word_after_bearer_is_not_a_token(har, entry):
    text = "Bearer tokens are sent in the Authorization header."
    data = har(entry(content={"mimeType": "text/plain", "text": text}))

    assert redact_har(data).report.summary() == "nothing removed"


def test_a_removed_secret_is_removed_wherever_the_file_repeats_it(har, entry):
    token = "q7Hs93kLm2Xz"
    page = f'<meta name="csrf-token" content="{token}"><body class="dark">'
    data = har(
        entry(
            f"https://shop.example.com/reset/{token}",
            request_headers=[("X-CSRF-Token", token)],
            request_cookies=[("theme", "dark")],
            content={"mimeType": "text/html", "text": page},
        )
    )

    result = redact_har(data)

    after = json.loads(result.content)["log"]["entries"][0]
    assert after["request"]["url"] == "https://shop.example.com/reset/[redacted]"
    assert after["response"]["content"]["text"] == (
        '<meta name="csrf-token" content="[redacted]"><body class="dark">'
    )
    # Counted where it was recognised, not again where it was repeated.
    assert result.report.summary() == "1 cookie, 1 secret header"


def test_repeats_of_many_secrets_are_found_too(har, entry):
    tokens = [f"csrf{index:03d}xq7Hs93k" for index in range(80)]
    page = "".join(f'<meta content="{token}">' for token in tokens)
    data = har(
        *(entry(request_headers=[("X-CSRF-Token", token)]) for token in tokens),
        entry(content={"mimeType": "text/html", "text": page}),
    )

    result = redact_har(data)

    assert not any(token.encode() in result.content for token in tokens)
    assert result.report.summary() == "80 secret headers"
