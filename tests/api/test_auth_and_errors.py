"""Who may call the API, and how it answers whatever goes wrong: always the same JSON error."""

import json
import re

import pytest
from django.conf import settings
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import Resolver404, resolve
from django.utils import timezone

from tests.support.api import API, ApiClient, assert_error, nothing_changes
from tocsin.accounts.services import create_api_token, revoke_api_token
from tocsin.api import api, not_found
from tocsin.incidents.models import Event, Status

pytestmark = pytest.mark.django_db


def every_operation():
    """(method, path) of every operation in the published OpenAPI schema."""
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method in operations:
            yield method, path


@pytest.mark.parametrize(("method", "path"), sorted(every_operation()))
def test_every_endpoint_needs_credentials(incident, method, path):
    url = re.sub(r"\{ref\}", str(incident.pk), path)
    url = re.sub(r"\{role\}", "scribe", url)
    url = re.sub(r"\{\w+\}", "1", url)

    with nothing_changes(incident):
        response = Client().generic(method.upper(), url, "{}", content_type="application/json")

    assert_error(response, 401, "unauthenticated", message_contains="Bearer")


# --- bearer tokens -------------------------------------------------------------------------


def test_a_token_identifies_its_owner(api_as, member):
    response = api_as(member).get("/me")

    assert response.status_code == 200
    assert response.json() == {
        "id": member.pk,
        "email": "bob@example.com",
        "display_name": "Bob Okafor",
        "time_zone": "UTC",
        "role": "responder",
        "is_admin": False,
        "teams": [{"slug": "payments", "name": "Payments", "role": "member"}],
    }


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer tocsin_not-a-real-token",
        "Bearer not-even-our-prefix",
        "Bearer ",
        "Token tocsin_whatever",
        "Basic Ym9iQGV4YW1wbGUuY29tOmNvcnJlY3QtaG9yc2UtYmF0dGVyeQ==",
    ],
)
def test_a_wrong_token_is_401_and_acts_on_nothing(incident, member, authorization):
    client = ApiClient(HTTP_AUTHORIZATION=authorization)
    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/acknowledge")
    assert_error(response, 401, "unauthenticated")
    assert incident.refresh().status == Status.TRIGGERED


def test_a_missing_token_is_401(anonymous, incident):
    with nothing_changes(incident):
        response = anonymous.post(
            "/incidents", {"title": "x", "severity": "P1", "team": "payments"}
        )
    assert_error(response, 401, "unauthenticated")
    assert_error(anonymous.get("/incidents"), 401, "unauthenticated")


def test_a_revoked_token_stops_working(member, incident):
    token, secret = _token(member)
    client = ApiClient(secret)
    assert client.get("/me").status_code == 200

    revoke_api_token(token_id=token.pk, user=member)

    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/acknowledge")
    assert_error(response, 401, "unauthenticated", message_contains="revoked")


def test_a_deactivated_persons_token_stops_working(member, incident, token_for):
    client = ApiClient(token_for(member))
    member.is_active = False
    member.save(update_fields=["is_active"])

    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/acknowledge")
    assert_error(response, 401, "unauthenticated")


def test_using_a_token_records_when_it_was_last_used(member):
    token, secret = _token(member)
    ApiClient(secret).get("/me")
    token.refresh_from_db()
    assert abs(token.last_used_at - timezone.now()).total_seconds() < 60


def test_a_wrong_token_is_refused_even_beside_a_session(member, incident):
    client = Client(HTTP_AUTHORIZATION="Bearer tocsin_wrong")
    client.force_login(member)
    assert_error(client.get(f"{API}/me"), 401, "unauthenticated")


def _token(user):
    return create_api_token(user=user, name="laptop")


# --- the browser's session -----------------------------------------------------------------


def browser(user):
    """A signed-in browser that, like a real one, is held to CSRF checks."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_pair():
    """A CSRF cookie and the matching token a page would have handed to its script."""
    request = RequestFactory().get("/")
    token = get_token(request)
    return request.META["CSRF_COOKIE"], token


def test_a_signed_in_browser_reads_without_a_csrf_token(member, incident):
    response = browser(member).get(f"{API}/incidents/{incident.pk}")
    assert response.status_code == 200
    assert response.json()["reference"] == incident.reference


def test_a_browser_post_without_csrf_token_is_refused(member, incident):
    client = browser(member)
    with nothing_changes(incident):
        response = client.post(f"{API}/incidents/{incident.pk}/acknowledge")

    assert_error(response, 403, "csrf_failed", message_contains="X-CSRFToken")
    assert not incident.timeline.filter(kind=Event.ACKNOWLEDGED).exists()


def test_a_browser_post_with_a_forged_csrf_token_is_refused(member, incident):
    client = browser(member)
    cookie, _ = csrf_pair()
    client.cookies[settings.CSRF_COOKIE_NAME] = cookie
    with nothing_changes(incident):
        response = client.post(
            f"{API}/incidents/{incident.pk}/acknowledge", HTTP_X_CSRFTOKEN="x" * 64
        )
    assert_error(response, 403, "csrf_failed")


def test_a_browser_post_with_the_csrf_token_works(member, incident):
    client = browser(member)
    cookie, token = csrf_pair()
    client.cookies[settings.CSRF_COOKIE_NAME] = cookie

    response = client.post(f"{API}/incidents/{incident.pk}/acknowledge", HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 200, response.content
    assert response.json()["acknowledged_by"]["id"] == member.pk
    assert incident.timeline.get(kind=Event.ACKNOWLEDGED).via == "api"


def test_a_token_needs_no_csrf_token(api_as, member, incident):
    client = api_as(member)
    client.client = Client(enforce_csrf_checks=True, **client.client.defaults)
    response = client.post(f"/incidents/{incident.pk}/acknowledge")
    assert response.status_code == 200, response.content


# --- malformed requests --------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        '{"title": "Checkout down", "severity": "P1",',
        "{'title': 'x'}",
        "nope",
        b"\xff\xfe{}",
        '{"title": "x", "severity": "P1", "team": "payments", "impact": NaN}',
        '{"title": "x", "severity": "P1", "team": "payments", "impact": -Infinity}',
        '{"title": "x", "labels": ' + "[" * 1000 + "]" * 1000 + "}",
    ],
    ids=["cut short", "single quotes", "not json", "not utf-8", "NaN", "-Infinity", "deep"],
)
def test_malformed_json_is_400_and_changes_nothing(api_as, member, incident, raw):
    client = api_as(member)
    with nothing_changes(incident):
        response = client.post("/incidents", raw=raw)
    assert_error(response, 400, "malformed_json")


def test_malformed_json_on_an_action_changes_nothing(api_as, lead, incident):
    client = api_as(lead)
    with nothing_changes(incident):
        response = client.post(f"/incidents/{incident.pk}/resolve", raw='{"resolution": "x"')
    assert_error(response, 400, "malformed_json", message_contains="not valid JSON")


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        ("", None, "JSON object is required"),
        ("[]", None, "must be a JSON object"),
        ('"Checkout down"', None, "must be a JSON object"),
        ('{"severity": "P1", "team": "payments"}', "title", "title: Field required"),
        ('{"title": 42, "severity": "P1", "team": "payments"}', "title", "valid string"),
        (
            '{"title": "x", "severity": "P1", "team": "payments", "services": [1]}',
            "services.0",
            "valid string",
        ),
    ],
)
def test_a_body_of_the_wrong_shape_is_422_naming_the_field(
    api_as, member, incident, raw, field, words
):
    client = api_as(member)
    with nothing_changes(incident):
        response = client.post("/incidents", raw=raw)
    assert_error(response, 422, "validation_failed", field=field, message_contains=words)


def test_an_oversize_body_is_refused_before_it_is_read(api_as, member, incident):
    client = api_as(member)
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    with nothing_changes(incident):
        response = client.post(
            "/incidents",
            {"title": "x", "severity": "P1", "team": "payments", "description": padding},
        )
    assert_error(response, 413, "payload_too_large")


# --- unknown addresses ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/nothing", "/incidents/1/explode", "/teams/payments/x"])
def test_an_unknown_address_under_the_api_is_a_json_404(api_as, member, path):
    assert_error(api_as(member).get(path), 404, "not_found", message_contains=path)


def test_a_wrong_method_is_a_json_405(api_as, member, incident):
    client = api_as(member)
    with nothing_changes(incident):
        response = client.client.put(f"{API}/incidents/{incident.pk}")
    assert_error(response, 405, "method_not_allowed", message_contains="PATCH")


# --- the published schema ------------------------------------------------------------------


def test_the_openapi_schema_describes_the_api(anonymous):
    response = Client().get(f"{API}/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Tocsin API"
    assert schema["info"]["version"] == "1"
    assert f"{API}/incidents/{{ref}}/acknowledge" in schema["paths"]
    assert set(schema["components"]["securitySchemes"]) == {"BearerToken", "BrowserSession"}
    assert "ErrorOut" in schema["components"]["schemas"]


def test_the_openapi_schema_has_no_key_twice(anonymous):
    """A response declared both by ninja (200) and by hand ("200") would be written twice, which
    the interactive docs refuse to read ("duplicated mapping key")."""
    seen_twice = []

    def pairs(items):
        keys = [key for key, _ in items]
        seen_twice.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(items)

    json.loads(Client().get(f"{API}/openapi.json").content, object_pairs_hook=pairs)
    assert seen_twice == []


def test_the_interactive_docs_are_served(anonymous):
    response = Client().get(f"{API}/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_the_interactive_docs_load_nothing_from_the_internet():
    response = Client().get(f"{API}/docs")
    assert b"https://" not in response.content


def test_the_alert_intake_under_the_api_prefix_is_left_to_its_own_view():
    """POST /api/v1/integrations/{token}/{kind} is not ninja's: the API's 404 must not shadow it."""
    try:
        match = resolve(f"{API}/integrations/some-token/alertmanager")
    except Resolver404:
        return
    assert match.func is not not_found


# --- input no database would take ----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "Checkout\u0000down"}, "title"),
        ({"services": ["checkout\u0000"]}, "services"),
        ({"description": "a\u0000b"}, "description"),
    ],
)
def test_nul_characters_in_a_body_are_refused(api_as, member, incident, checkout, body, field):
    client = api_as(member)
    with nothing_changes(incident):
        response = client.post(
            "/incidents", {"title": "x", "severity": "P1", "team": "payments"} | body
        )
    assert_error(response, 422, "validation_failed", field=field, message_contains="NUL")


@pytest.mark.parametrize(
    "path", ["/incidents?q=a%00b", "/teams/pay%00ments", "/incidents?offset=99999999999999999999"]
)
def test_addresses_no_database_would_take_are_4xx(api_as, member, incident, path):
    response = api_as(member).client.get(API + path)
    assert response.status_code in (400, 422), response.content
    assert response.json()["error"]["code"] in ("bad_request", "validation_failed")
