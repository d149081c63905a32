"""Properties over many generated files: whatever the HAR, redacting it gives a valid HAR with the
same entries and without the planted secrets, and redacting that again changes nothing."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tocsin.tickets.har import InvalidHar, redact_har

NAMES = st.sampled_from(
    ["token", "access_token", "password", "api_key", "page", "sort", "code", "key", "q",
     "Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "Accept", "Referer", "id_token",
     "cardNumber", "session", "user", "token_type"]
) | st.text(min_size=1, max_size=12)  # fmt: skip
SECRETS = st.uuids().map(lambda uuid: f"planted{uuid.hex}")
VALUES = st.text(max_size=40) | st.sampled_from(
    ["Bearer abcdefghijklmnopqrstuvwxyz", "https://u:p@example.com/?token=x#code=y", "a=1; b=2",
     "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln", "[redacted]", "%5Bredacted%5D"]
)  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(NAMES, children, max_size=4),
    max_leaves=12,
)
PAIRS = st.lists(st.tuples(NAMES, VALUES), max_size=5)


@st.composite
def entries(draw):
    secret = draw(SECRETS)
    query = draw(PAIRS)
    query_text = "&".join(f"{name}={value}" for name, value in query)
    body = draw(JSON)
    post = draw(
        st.sampled_from(
            [
                {
                    "mimeType": "application/json",
                    "text": json.dumps({"password": secret, "b": body}),
                },
                {"mimeType": "application/x-www-form-urlencoded", "text": f"a=1&token={secret}"},
                {"mimeType": "text/plain", "text": draw(st.text(max_size=60))},
            ]
        )
    )
    return secret, {
        "request": {
            "method": "POST",
            "url": f"https://shop.example.com/{draw(st.text(max_size=10))}?{query_text}",
            "headers": [{"name": n, "value": v} for n, v in draw(PAIRS)]
            + [{"name": "X-Api-Key", "value": secret}],
            "cookies": [{"name": n, "value": v} for n, v in draw(PAIRS)],
            "queryString": [{"name": n, "value": v} for n, v in query],
            "postData": post,
        },
        "response": {
            "status": draw(st.integers(100, 599)),
            "headers": [{"name": n, "value": v} for n, v in draw(PAIRS)],
            "content": {"mimeType": "application/json", "text": json.dumps(body)},
            "redirectURL": draw(VALUES),
        },
        "_custom": draw(JSON),
    }


@st.composite
def hars(draw):
    drawn = draw(st.lists(entries(), max_size=4))
    document = {
        "log": {
            "version": "1.2",
            "creator": {"name": draw(VALUES), "version": "1"},
            "entries": [entry for _, entry in drawn],
            "comment": draw(VALUES),
        }
    }
    return [secret for secret, _ in drawn], document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hars())
def test_redacting_gives_a_valid_har_without_the_planted_secrets_and_is_idempotent(drawn):
    secrets, document = drawn
    data = json.dumps(document, ensure_ascii=bool(len(secrets) % 2)).encode()

    once = redact_har(data)
    twice = redact_har(once.content)

    after = json.loads(once.content)
    assert len(after["log"]["entries"]) == len(document["log"]["entries"])
    assert [e["response"]["status"] for e in after["log"]["entries"]] == [
        e["response"]["status"] for e in document["log"]["entries"]
    ]
    for secret in secrets:
        assert secret.encode() not in once.content
    assert twice.content == once.content
    assert twice.report.summary() == "nothing removed"
    if once.report.summary() == "nothing removed":
        assert once.content == data


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | JSON.map(lambda value: json.dumps({"log": value}).encode()))
def test_any_bytes_are_either_a_har_or_refused_as_one(data):
    try:
        result = redact_har(data)
    except InvalidHar as refused:
        assert refused.field == "file" and refused.message
    else:
        json.loads(result.content)
