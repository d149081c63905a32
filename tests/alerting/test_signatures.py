"""Webhook signatures: Checkly's `x-checkly-signature` and Grafana's HMAC signature option are
the hex HMAC-SHA256 of the raw body (Grafana: of "timestamp:body" when a timestamp header is
configured). Only the exact bytes, the right secret and, when asked, a fresh timestamp pass."""

import hashlib
import hmac

import pytest

from tests.support.samples import sample_bytes
from tocsin.alerting.sources.signatures import (
    sign_hmac_sha256,
    verify_checkly,
    verify_hmac_sha256,
)

# RFC 4231, test case 2: an answer computed by someone else.
RFC4231_KEY = "Jefe"
RFC4231_DATA = b"what do ya want for nothing?"
RFC4231_HMAC = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

SECRET = "whsec-3f9a1c"
TIMESTAMP = "1763802273"


def hex_hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@pytest.fixture
def checkly_body() -> bytes:
    return sample_bytes("checkly-webhook.json")


@pytest.fixture
def alertmanager_body() -> bytes:
    return sample_bytes("alertmanager-v4-firing.raw.json")


def test_signature_is_the_standard_hex_hmac_sha256():
    assert sign_hmac_sha256(RFC4231_DATA, RFC4231_KEY) == RFC4231_HMAC
    assert verify_checkly(RFC4231_DATA, RFC4231_KEY, RFC4231_HMAC)
    assert verify_hmac_sha256(RFC4231_DATA, RFC4231_KEY, RFC4231_HMAC)


# --- Checkly ------------------------------------------------------------------------------


def test_checkly_signature_of_the_raw_body_with_the_webhook_secret_verifies(checkly_body):
    signature = hex_hmac(SECRET, checkly_body)

    assert verify_checkly(checkly_body, SECRET, signature)
    assert verify_checkly(checkly_body, SECRET, f" {signature.upper()} ")  # hex case, padding


def test_checkly_signature_with_another_secret_fails(checkly_body):
    assert not verify_checkly(checkly_body, SECRET, hex_hmac("another-secret", checkly_body))


def test_checkly_tampered_body_fails(checkly_body):
    signature = hex_hmac(SECRET, checkly_body)
    tampered = checkly_body.replace(b"14 days", b"90 days")

    assert tampered != checkly_body
    assert not verify_checkly(tampered, SECRET, signature)


def test_checkly_re_serialised_json_fails_because_only_the_exact_bytes_are_signed(checkly_body):
    signature = hex_hmac(SECRET, checkly_body)

    assert not verify_checkly(checkly_body.replace(b'": "', b'":"'), SECRET, signature)


@pytest.mark.parametrize("header", [None, "", "   ", "sha256=", "not hex", "é" * 64, "\ud800"])
def test_checkly_missing_or_garbage_header_fails_without_raising(checkly_body, header):
    assert verify_checkly(checkly_body, SECRET, header) is False


def test_checkly_empty_secret_never_verifies(checkly_body):
    assert not verify_checkly(checkly_body, "", hex_hmac("", checkly_body))


# --- Grafana ------------------------------------------------------------------------------


def test_grafana_signature_of_the_body_alone_verifies(alertmanager_body):
    signature = hex_hmac(SECRET, alertmanager_body)

    assert verify_hmac_sha256(alertmanager_body, SECRET, signature)
    assert not verify_hmac_sha256(alertmanager_body + b" ", SECRET, signature)


def test_grafana_signature_with_timestamp_covers_timestamp_colon_body(alertmanager_body):
    signature = hex_hmac(SECRET, TIMESTAMP.encode() + b":" + alertmanager_body)

    assert sign_hmac_sha256(alertmanager_body, SECRET, timestamp=TIMESTAMP) == signature
    assert verify_hmac_sha256(alertmanager_body, SECRET, signature, timestamp=TIMESTAMP)


def test_grafana_timestamp_is_part_of_what_is_signed(alertmanager_body):
    signature = hex_hmac(SECRET, TIMESTAMP.encode() + b":" + alertmanager_body)
    body_only = hex_hmac(SECRET, alertmanager_body)

    assert not verify_hmac_sha256(alertmanager_body, SECRET, signature, timestamp="1763802274")
    assert not verify_hmac_sha256(alertmanager_body, SECRET, signature)  # timestamp dropped
    assert not verify_hmac_sha256(alertmanager_body, SECRET, body_only, timestamp=TIMESTAMP)
    assert not verify_hmac_sha256(alertmanager_body, SECRET, signature, timestamp="")


def test_grafana_tampered_body_fails(alertmanager_body):
    signature = hex_hmac(SECRET, TIMESTAMP.encode() + b":" + alertmanager_body)
    tampered = alertmanager_body.replace(b'"status":"firing"', b'"status":"resolved"', 1)

    assert tampered != alertmanager_body
    assert not verify_hmac_sha256(tampered, SECRET, signature, timestamp=TIMESTAMP)


def test_grafana_stale_timestamp_fails_when_a_maximum_age_is_asked(alertmanager_body):
    signature = hex_hmac(SECRET, TIMESTAMP.encode() + b":" + alertmanager_body)
    sent = int(TIMESTAMP)

    def verify(now):
        return verify_hmac_sha256(
            alertmanager_body, SECRET, signature, timestamp=TIMESTAMP, max_age_seconds=300, now=now
        )

    assert verify(now=sent + 300)
    assert verify(now=sent - 300)  # a sender's clock a little ahead
    assert not verify(now=sent + 301)
    assert not verify(now=sent - 301)


def test_grafana_timestamp_that_is_not_a_number_fails_the_age_check(alertmanager_body):
    signature = hex_hmac(SECRET, b"soon:" + alertmanager_body)

    assert verify_hmac_sha256(alertmanager_body, SECRET, signature, timestamp="soon")
    assert not verify_hmac_sha256(
        alertmanager_body, SECRET, signature, timestamp="soon", max_age_seconds=300, now=0
    )


@pytest.mark.parametrize("header", [None, "", "0" * 64])
def test_grafana_missing_or_wrong_header_fails(alertmanager_body, header):
    assert not verify_hmac_sha256(alertmanager_body, SECRET, header, timestamp=TIMESTAMP)
