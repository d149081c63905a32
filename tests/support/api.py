"""Talking to the REST API in tests, and checking that a refused request changed nothing."""

import json
from contextlib import contextmanager

from django.test import Client

from tocsin.accounts.models import ApiToken, Membership
from tocsin.incidents.models import Incident, RoleAssignment, TimelineEvent

API = "/api/v1"


class ApiClient:
    """Talks JSON to /api/v1 with one person's bearer token (or none)."""

    def __init__(self, token: str | None = None, **defaults):
        if token is not None:
            defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        self.client = Client(**defaults)

    def get(self, path, **params):
        return self.client.get(API + path, params)

    def post(self, path, body=None, *, raw: str | bytes | None = None):
        return self._send("post", path, body, raw)

    def patch(self, path, body=None, *, raw: str | bytes | None = None):
        return self._send("patch", path, body, raw)

    def put(self, path, body=None, *, raw: str | bytes | None = None):
        return self._send("put", path, body, raw)

    def delete(self, path):
        return self.client.delete(API + path)

    def _send(self, method, path, body, raw):
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return getattr(self.client, method)(API + path, data, content_type="application/json")


def row_counts() -> dict[str, int]:
    return {
        "incidents": Incident.objects.count(),
        "timeline events": TimelineEvent.objects.count(),
        "role assignments": RoleAssignment.objects.count(),
        "memberships": Membership.objects.count(),
        "api tokens": ApiToken.objects.count(),
    }


@contextmanager
def nothing_changes(incident: Incident | None = None):
    """Assert that the block writes no row and leaves `incident` exactly as it was."""
    before = row_counts()
    state = _state(incident)
    yield
    assert row_counts() == before
    assert _state(incident) == state


def _state(incident):
    if incident is None:
        return None
    fresh = Incident.objects.get(pk=incident.pk)
    fields = {f.attname: getattr(fresh, f.attname) for f in Incident._meta.concrete_fields}
    fields["services"] = sorted(fresh.services.values_list("slug", flat=True))
    fields["roles"] = list(
        fresh.role_assignments.order_by("id").values_list("user_id", "role", "ended_at")
    )
    return fields


def assert_error(response, status: int, code: str, *, field=None, message_contains=""):
    """The one error shape of the API."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "field"}
    assert body["error"]["code"] == code
    assert body["error"]["field"] == field
    assert message_contains in body["error"]["message"]
    return body["error"]
