"""Query strings, URLs, form and JSON bodies: secret values go, found by the names they have."""

import base64
import json

import pytest

from tocsin.tickets.har import redact_har


def redacted_entry(data: bytes) -> dict:
    return json.loads(redact_har(data).content)["log"]["entries"][0]


def test_the_url_and_the_query_string_are_redacted_alike_and_counted_once(har, entry):
    data = har(
        entry(
            "https://shop.example.com/api/items?access_token=T0KEN&page=2&sort=name",
            query_string=[("access_token", "T0KEN"), ("page", "2"), ("sort", "name")],
        )
    )

    result = redact_har(data)

    request = redacted_entry(data)["request"]
    assert request["url"] == (
        "https://shop.example.com/api/items?access_token=%5Bredacted%5D&page=2&sort=name"
    )
    assert request["queryString"] == [
        {"name": "access_token", "value": "[redacted]"},
        {"name": "page", "value": "2"},
        {"name": "sort", "value": "name"},
    ]
    assert result.report.summary() == "1 token in a query string"


@pytest.mark.parametrize(
    "name",
    ["token", "access_token", "id_token", "password", "secret", "api_key", "apiKey", "key",
     "code", "session", "auth", "sig", "X-Amz-Signature", "client_secret"],
)  # fmt: skip
def test_query_parameters_named_like_a_secret(har, entry, name):
    data = har(entry(f"https://shop.example.com/cb?{name}=v4lue&lang=en"))

    result = redact_har(data)

    assert redacted_entry(data)["request"]["url"] == (
        f"https://shop.example.com/cb?{name}=%5Bredacted%5D&lang=en"
    )
    assert result.report.counts == {"query string token": 1}


def test_tokens_in_the_fragment_referer_location_and_redirect_url_go_too(har, entry):
    data = har(
        entry(
            "https://shop.example.com/#access_token=FRAGMENT&state=xyz",
            request_headers=[("Referer", "https://sso.example.com/authorize?code=REFERER")],
            status=302,
            response_headers=[("Location", "https://shop.example.com/cb?code=LOCATION")],
            redirect_url="https://shop.example.com/cb?code=LOCATION",
        )
    )

    result = redact_har(data)

    after = redacted_entry(data)
    assert after["request"]["url"] == (
        "https://shop.example.com/#access_token=%5Bredacted%5D&state=xyz"
    )
    assert after["response"]["redirectURL"] == "https://shop.example.com/cb?code=%5Bredacted%5D"
    for value in (b"FRAGMENT", b"REFERER", b"LOCATION"):
        assert value not in result.content
    # LOCATION is in the Location header and in redirectURL: one token.
    assert result.report.summary() == "3 tokens in query strings"


def test_urls_anywhere_in_the_file_lose_their_secret_parameters(har, entry):
    page = (
        '<a href="https://shop.example.com/reset?token=r3set&lang=en">reset</a>'
        "<script>new WebSocket('wss://live.example.com/socket?auth=s0cket')</script>"
    )
    data = har(
        entry(content={"mimeType": "text/html", "text": page}),
        pages=[{"id": "page_1", "title": "https://shop.example.com/welcome?session=w3lcome"}],
    )

    result = redact_har(data)

    after = json.loads(result.content)["log"]
    assert after["entries"][0]["response"]["content"]["text"] == (
        '<a href="https://shop.example.com/reset?token=%5Bredacted%5D&lang=en">reset</a>'
        "<script>new WebSocket('wss://live.example.com/socket?auth=%5Bredacted%5D')</script>"
    )
    assert after["pages"][0]["title"] == "https://shop.example.com/welcome?session=%5Bredacted%5D"
    assert result.report.summary() == "3 tokens in query strings"


def test_credentials_in_a_url_lose_the_password(har, entry):
    data = har(
        entry(
            "https://alice:hunter2@shop.example.com/private",
            content={
                "mimeType": "text/plain",
                "text": "clone from https://ghp_x1y2z3@git.example.com/shop.git",
            },
        )
    )

    result = redact_har(data)

    after = redacted_entry(data)
    assert after["request"]["url"] == "https://alice:[redacted]@shop.example.com/private"
    assert after["response"]["content"]["text"] == (
        "clone from https://[redacted]@git.example.com/shop.git"
    )
    assert result.report.summary() == "2 URLs with credentials"


def test_a_login_form_loses_its_password_in_text_and_params(har, entry):
    post = {
        "mimeType": "application/x-www-form-urlencoded",
        "text": "username=alice&password=hunter2&remember=on",
        "params": [
            {"name": "username", "value": "alice"},
            {"name": "password", "value": "hunter2"},
            {"name": "remember", "value": "on"},
        ],
    }
    data = har(entry("https://shop.example.com/login", method="POST", post_data=post))

    result = redact_har(data)

    after = redacted_entry(data)["request"]["postData"]
    assert after["text"] == "username=alice&password=%5Bredacted%5D&remember=on"
    assert after["params"][1] == {"name": "password", "value": "[redacted]"}
    assert after["params"][0] == {"name": "username", "value": "alice"}
    assert result.report.summary() == "1 password field"


def test_form_fields_are_counted_by_kind(har, entry):
    text = (
        "new_password=a1&card_number=4111111111111111&cvv=123&csrfmiddlewaretoken=t0k"
        "&grant_type=authorization_code&code=c0de&country=DE"
    )
    post = {"mimeType": "application/x-www-form-urlencoded; charset=UTF-8", "text": text}
    data = har(entry(method="POST", post_data=post))

    result = redact_har(data)

    assert redacted_entry(data)["request"]["postData"]["text"] == (
        "new_password=%5Bredacted%5D&card_number=%5Bredacted%5D&cvv=%5Bredacted%5D"
        "&csrfmiddlewaretoken=%5Bredacted%5D&grant_type=authorization_code"
        "&code=%5Bredacted%5D&country=DE"
    )
    assert result.report.summary() == "1 password field, 2 payment card fields, 2 secret fields"


def test_a_multipart_form_loses_its_secret_fields_not_its_files(har, entry):
    text = (
        '------b\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice\r\n'
        '------b\r\nContent-Disposition: form-data; name="password"\r\n\r\nhunter2\r\n'
        '------b\r\nContent-Disposition: form-data; name="token"; filename="a.txt"\r\n'
        "Content-Type: text/plain\r\n\r\nfile text\r\n------b--\r\n"
    )
    post = {"mimeType": "multipart/form-data; boundary=----b", "text": text}
    data = har(entry(method="POST", post_data=post))

    result = redact_har(data)

    assert redacted_entry(data)["request"]["postData"]["text"] == text.replace(
        "hunter2", "[redacted]"
    )
    assert result.report.summary() == "1 password field"


def test_json_bodies_are_walked_to_the_bottom(har, entry):
    body = {
        "user": {"name": "alice", "password": "hunter2", "passwordChangedAt": "2026-01-01"},
        "payment": {"cardNumber": 4111111111111111, "holder": "Alice Novak"},
        "devices": [{"id": 1, "refreshToken": "r1"}, {"id": 2, "refreshToken": "r2"}],
        "apiKeys": ["k1", "k2"],
        "key": "INC-42",
        "code": "NOT_FOUND",
        "mfa_enabled": True,
        "secret": None,
    }
    post = {"mimeType": "application/json", "text": json.dumps(body)}
    data = har(entry(method="POST", post_data=post))

    result = redact_har(data)

    assert json.loads(redacted_entry(data)["request"]["postData"]["text"]) == {
        "user": {"name": "alice", "password": "[redacted]", "passwordChangedAt": "2026-01-01"},
        "payment": {"cardNumber": "[redacted]", "holder": "Alice Novak"},
        "devices": [
            {"id": 1, "refreshToken": "[redacted]"},
            {"id": 2, "refreshToken": "[redacted]"},
        ],
        "apiKeys": ["[redacted]", "[redacted]"],
        "key": "INC-42",
        "code": "NOT_FOUND",
        "mfa_enabled": True,
        "secret": None,
    }
    assert result.report.summary() == "1 password field, 1 payment card field, 4 secret fields"


def test_tokens_in_a_json_answer_go_and_their_description_stays(har, entry):
    answer = {
        "access_token": "at-1",
        "id_token": "it-1",
        "refresh_token": "rt-1",
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token_expires_in": 86400,
        "token_endpoint": "https://sso.example.com/token",
        "scope": "openid profile",
    }
    content = {"size": 120, "mimeType": "application/json", "text": json.dumps(answer, indent=2)}
    data = har(entry("https://sso.example.com/token", method="POST", content=content))

    result = redact_har(data)

    after = redacted_entry(data)["response"]["content"]
    assert after["text"] == json.dumps(json.loads(after["text"]), separators=(",", ":"))
    assert json.loads(after["text"]) == {
        **answer,
        "access_token": "[redacted]",
        "id_token": "[redacted]",
        "refresh_token": "[redacted]",
    }
    assert after["size"] == 120
    assert result.report.summary() == "3 secret fields"


def test_a_base64_json_body_is_decoded_redacted_and_encoded_again(har, entry):
    answer = json.dumps({"access_token": "at-1", "user": "alice"}).encode()
    content = {
        "mimeType": "application/json",
        "encoding": "base64",
        "text": base64.b64encode(answer).decode(),
    }
    data = har(entry(content=content))

    result = redact_har(data)

    after = redacted_entry(data)["response"]["content"]
    assert after["encoding"] == "base64"
    assert json.loads(base64.b64decode(after["text"])) == {
        "access_token": "[redacted]",
        "user": "alice",
    }
    assert result.report.summary() == "1 secret field"


def test_base64_text_that_is_not_utf_8_is_left_alone(har, entry):
    text = base64.b64encode("password=hunter2 caf\u00e9".encode("latin-1")).decode()
    data = har(entry(content={"mimeType": "text/plain", "encoding": "base64", "text": text}))

    assert redact_har(data).content == data


def test_a_base64_image_is_left_alone(har, entry):
    image = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256))).decode()
    content = {"mimeType": "image/png", "encoding": "base64", "text": image}
    data = har(entry(content=content))

    result = redact_har(data)

    assert result.report.summary() == "nothing removed"
    assert result.content == data


def test_websocket_text_frames_are_bodies_too(har, entry):
    frames = [
        {"type": "send", "time": 1.0, "opcode": 1, "data": '{"op":"auth","token":"ws-t0k"}'},
        {"type": "receive", "time": 1.1, "opcode": 1, "data": '{"op":"ready"}'},
        {"type": "receive", "time": 1.2, "opcode": 2, "data": "eyJ0b2tlbiI6InNlY3JldCJ9"},
    ]
    data = har(entry("wss://shop.example.com/live", _webSocketMessages=frames))

    result = redact_har(data)

    sent, received, binary = redacted_entry(data)["_webSocketMessages"]
    assert json.loads(sent["data"]) == {"op": "auth", "token": "[redacted]"}
    assert received == frames[1]
    assert binary == frames[2]
    assert result.report.summary() == "1 secret field"


def test_an_empty_secret_has_nothing_to_hide(har, entry):
    data = har(
        entry("https://shop.example.com/login?token=&next=/cart", query_string=[("token", "")])
    )

    result = redact_har(data)

    assert result.report.summary() == "nothing removed"
    assert result.content == data


def test_a_relative_link_in_a_body_is_not_a_url_tocsin_reads(har, entry):
    page = '<a href="/cb?code=c0de4711">back</a>'
    data = har(entry(content={"mimeType": "text/html", "text": page}))

    assert redact_har(data).report.summary() == "nothing removed"
