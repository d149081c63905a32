"""What is not a HAR 1.x file is refused, on the upload's `file` field, saying what is wrong."""

import json

import pytest

from tocsin.errors import ValidationFailed
from tocsin.tickets.har import MAX_BYTES, InvalidHar, redact_har


def with_log(**log) -> bytes:
    return json.dumps({"log": log}).encode()


def with_entry(request=None, response=None, **changes) -> bytes:
    entry = {
        "request": {"method": "GET", "url": "https://shop.example.com/", "headers": []},
        "response": {"status": 200, "headers": [], "content": {"mimeType": "text/plain"}},
    }
    entry["request"].update(request or {})
    entry["response"].update(response or {})
    entry.update(changes)
    return with_log(version="1.2", creator={"name": "x", "version": "1"}, entries=[entry])


NOT_HAR = "not a HAR file: "
ENTRY = NOT_HAR + "log.entries[0]."
REFUSED = [
    (b"", "the file is empty"),
    (b" \n\t", "the file is empty"),
    (b"\xff\xfe{\x00}\x00", NOT_HAR + "it is not UTF-8 text (byte 0)"),
    (b"<html>Hello</html>", NOT_HAR + "it is not JSON (Expecting value at line 1, column 1)"),
    (
        b'{"log": {"version": "1.2",',
        NOT_HAR + "it is not JSON (Expecting property name enclosed in double quotes at line 1, "
        "column 27)",
    ),
    (b'{"log": {"entries": [NaN]}}', NOT_HAR + "it is not JSON (NaN is not allowed in JSON)"),
    (b"[1, 2]", NOT_HAR + "it is a list, not an object with a log"),
    (b'{"entries": []}', NOT_HAR + "log is missing"),
    (b'{"log": []}', NOT_HAR + "log is a list, not an object"),
    (with_log(creator={}, entries=[]), NOT_HAR + "log.version is missing"),
    (with_log(version=1.2, creator={}), NOT_HAR + "log.version is a number, not a string"),
    (with_log(version="2.0", creator={}), 'not a HAR 1.x file: log.version is "2.0"'),
    (with_log(version="1.2", entries=[]), NOT_HAR + "log.creator is missing"),
    (with_log(version="1.2", creator={}), NOT_HAR + "log.entries is missing"),
    (
        with_log(version="1.2", creator={}, entries={}),
        NOT_HAR + "log.entries is an object, not a list",
    ),
    (
        with_log(version="1.2", creator={}, entries=["GET /"]),
        NOT_HAR + "log.entries[0] is a string, not an object",
    ),
    (with_entry(request={"url": None}), ENTRY + "request.url is null, not a string"),
    (
        with_entry(request={"headers": {"Cookie": "a=1"}}),
        ENTRY + "request.headers is an object, not a list",
    ),
    (
        with_entry(request={"headers": [["Cookie", "a=1"]]}),
        ENTRY + "request.headers[0] is a list, not a name/value pair",
    ),
    (
        with_entry(request={"headers": [{"name": "Cookie"}]}),
        ENTRY + "request.headers[0].value is missing",
    ),
    (
        with_entry(request={"cookies": [{"name": "a", "value": 1}]}),
        ENTRY + "request.cookies[0].value is a number, not a string",
    ),
    (
        with_entry(request={"postData": {"text": 42}}),
        ENTRY + "request.postData.text is a number, not a string",
    ),
    (
        with_entry(response={"status": "200"}),
        ENTRY + "response.status is a string, not a whole number",
    ),
    (
        with_entry(response={"content": "hello"}),
        ENTRY + "response.content is a string, not an object",
    ),
    (
        with_log(version="1.2", creator={}, entries=[{"response": {}}]),
        ENTRY + "request is missing",
    ),
]


@pytest.mark.parametrize(("data", "message"), REFUSED)
def test_a_file_that_is_not_a_har_is_refused_with_what_is_wrong(data, message):
    with pytest.raises(InvalidHar) as refused:
        redact_har(data)

    assert refused.value.message == message
    assert refused.value.field == "file"


def test_the_refusal_is_a_validation_error_the_api_turns_into_a_422():
    with pytest.raises(ValidationFailed) as refused:
        redact_har(b"not json")

    assert refused.value.status == 422
    assert refused.value.code == "validation_failed"


def test_a_file_nested_too_deeply_is_refused():
    nested = b'{"log": {"version": "1.2", "creator": {}, "entries": [], "comment": ' + (
        b"[" * 150 + b"]" * 150 + b"}}"
    )
    very_nested = b"[" * 100_000 + b"]" * 100_000

    for data in (nested, very_nested):
        with pytest.raises(
            InvalidHar, match="^not a HAR file: it is nested deeper than 100 levels$"
        ):
            redact_har(data)


def test_a_json_body_nested_too_deeply_is_refused_rather_than_half_redacted():
    body = '{"password": "hunter2", "a": ' + "[" * 150 + "]" * 150 + "}"
    data = with_entry(response={"content": {"mimeType": "application/json", "text": body}})

    with pytest.raises(
        InvalidHar, match=r"^log.entries\[0\] has a JSON body nested deeper than 100 levels$"
    ):
        redact_har(data)


def test_a_file_larger_than_the_limit_is_refused(monkeypatch):
    assert MAX_BYTES == 64 * 1024 * 1024
    monkeypatch.setattr("tocsin.tickets.har.parsing.MAX_BYTES", 1024 * 1024)
    data = with_log(version="1.2", creator={}, entries=[], comment="x" * (1024 * 1024))

    with pytest.raises(InvalidHar, match="^the file is larger than 1 MB$"):
        redact_har(data)


def test_a_byte_order_mark_and_an_empty_list_of_entries_are_fine():
    data = "\ufeff".encode() + with_log(version="1.1", creator={"name": "x"}, entries=[])

    result = redact_har(data)

    assert result.report.summary() == "nothing removed"
    assert result.content == data
