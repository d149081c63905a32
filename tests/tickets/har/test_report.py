"""The report: what was removed, counted by category, in the words a support agent reads."""

import json

from tocsin.tickets.har import CATEGORIES, RedactionReport, redact_har


def test_a_har_without_secrets_is_returned_as_it_was(har, entry):
    data = har(
        entry(
            "https://shop.example.com/api/items?page=2&sort=name",
            request_headers=[
                ("Accept", "application/json"),
                ("Referer", "https://shop.example.com/"),
            ],
            query_string=[("page", "2"), ("sort", "name")],
            content={"mimeType": "application/json", "text": '{"items": ["blue mug"], "page": 2}'},
        )
    )

    result = redact_har(data)

    assert result.content == data
    assert result.report.summary() == "nothing removed"
    assert result.report.counts == {}
    assert result.report.as_dict() == {
        "counts": {},
        "total": 0,
        "entries": 1,
        "summary": "nothing removed",
    }


def test_the_summary_says_singular_and_plural_in_the_order_of_the_categories(har, entry):
    data = har(
        entry(
            "https://shop.example.com/?token=a&sig=b",
            request_headers=[("Authorization", "Bearer x1"), ("Cookie", "a=1")],
            request_cookies=[("a", "1")],
        ),
        entry(
            request_headers=[("Authorization", "Bearer x2")],
            request_cookies=[("a", "2"), ("b", "3")],
            post_data={"mimeType": "application/x-www-form-urlencoded", "text": "password=p"},
        ),
    )

    report = redact_har(data).report

    assert list(report.counts) == [
        "cookie",
        "cookie header",
        "authorization header",
        "query string token",
        "password field",
    ]
    assert report.summary() == (
        "3 cookies, 1 Cookie header, 2 Authorization headers, 2 tokens in query strings, "
        "1 password field"
    )
    assert report.total == 9
    assert json.loads(json.dumps(report.as_dict())) == {
        "counts": {
            "cookie": 3,
            "cookie header": 1,
            "authorization header": 2,
            "query string token": 2,
            "password field": 1,
        },
        "total": 9,
        "entries": 2,
        "summary": report.summary(),
    }


def test_every_category_has_its_singular_and_plural():
    one = RedactionReport.from_counts({category: 1 for category in CATEGORIES}, entries=1)
    many = RedactionReport.from_counts({category: 2 for category in CATEGORIES}, entries=1)

    assert one.summary() == (
        "1 cookie, 1 Cookie header, 1 Set-Cookie header, 1 Authorization header, "
        "1 Proxy-Authorization header, 1 secret header, 1 token in a query string, "
        "1 URL with credentials, 1 password field, 1 payment card field, 1 secret field, "
        "1 Bearer token, 1 JWT"
    )
    assert many.summary() == (
        "2 cookies, 2 Cookie headers, 2 Set-Cookie headers, 2 Authorization headers, "
        "2 Proxy-Authorization headers, 2 secret headers, 2 tokens in query strings, "
        "2 URLs with credentials, 2 password fields, 2 payment card fields, 2 secret fields, "
        "2 Bearer tokens, 2 JWTs"
    )


def test_the_same_secret_counts_once_per_entry_and_again_in_the_next(har, entry):
    same = dict(
        url="https://shop.example.com/?token=T",
        query_string=[("token", "T")],
        request_headers=[("Referer", "https://shop.example.com/?token=T")],
    )
    data = har(entry(**same), entry(**same))

    assert redact_har(data).report.counts == {"query string token": 2}


def test_a_redacted_file_has_nothing_more_to_remove(har, entry, jwt):
    data = har(
        entry(
            "https://u:p@shop.example.com/?access_token=T",
            request_headers=[("Authorization", f"Bearer {jwt}"), ("Cookie", "a=1; b")],
            response_headers=[("Set-Cookie", "a=1; Path=/; Odd=x")],
            content={"mimeType": "text/plain", "text": f"Bearer abcdefghijklmnopq {jwt}"},
        )
    )
    once = redact_har(data)

    twice = redact_har(once.content)

    assert once.report.total > 0
    assert twice.report.summary() == "nothing removed"
    assert twice.content == once.content


def test_a_redacted_file_is_written_again_as_json_indented_by_two_spaces(har, entry):
    data = har(entry(request_headers=[("Authorization", "Bearer abc")]))
    compact = json.dumps(json.loads(data), separators=(",", ":")).encode()

    content = redact_har(compact).content

    assert content.startswith(b'{\n  "log": {\n    "version": "1.2",')
    assert json.loads(content)["log"]["entries"][0]["request"]["headers"] == [
        {"name": "Authorization", "value": "Bearer [redacted]"}
    ]


def test_text_that_cannot_be_utf_8_stays_escaped(har, entry):
    data = har(entry(request_headers=[("X-Api-Key", "k")]), comment="half a pair: \ud800")

    content = redact_har(data).content

    assert json.loads(content.decode("utf-8"))["log"]["comment"] == "half a pair: \ud800"
    assert b"\\ud800" in content
