"""The REST API: the report as JSON and as Markdown, regenerating it, and the stakeholders of a
team and of an incident. Bad input is a 4xx naming the problem, and changes nothing."""

import pytest

from tests.support.api import assert_error
from tocsin.incidents.models import Channel
from tocsin.incidents.services import resolve
from tocsin.postincident.situation.models import Stakeholder

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved(outage, member):
    resolve(incident=outage, by=member, via=Channel.WEB, resolution="Rolled back")
    return outage.refresh()


def test_the_report_as_json(api_as, resolved, outsider):
    response = api_as(outsider).get(f"/incidents/{resolved.reference}/situation-report")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["incident"] == resolved.reference
    assert (body["generation"], body["drill"], body["generated_by"]) == (1, False, "Bob Okafor")
    assert body["facts"]["resolution"] == "Rolled back"
    assert body["facts"]["impact_who"] == "Shoppers in the EU"
    assert body["markdown"] == resolved.situation_report.markdown


def test_the_report_as_markdown(api_as, resolved, member):
    response = api_as(member).get(f"/incidents/{resolved.pk}/situation-report.md")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.content.decode() == resolved.situation_report.markdown


def test_no_report_before_the_resolution(api_as, outage, member):
    for path in ("situation-report", "situation-report.md"):
        response = api_as(member).get(f"/incidents/{outage.reference}/{path}")
        assert_error(response, 404, "not_found", message_contains="has no situation report")
    assert_error(api_as(member).get("/incidents/INC-999/situation-report"), 404, "not_found")


def test_regenerate(api_as, resolved, lead):
    response = api_as(lead).post(f"/incidents/{resolved.reference}/situation-report/regenerate")

    assert response.status_code == 200, response.content
    assert response.json()["generation"] == 2
    assert response.json()["generated_by"] == "Alice Novak"
    assert resolved.timeline.latest("id").via == Channel.API


def test_regenerate_refused(api_as, resolved, outage, outsider, member, unchanged):
    with unchanged(resolved):
        response = api_as(outsider).post(f"/incidents/{resolved.pk}/situation-report/regenerate")
        assert_error(response, 403, "permission_denied", message_contains="only the commander")


def test_regenerating_an_open_incident_is_a_conflict(api_as, outage, member, unchanged):
    with unchanged(outage):
        response = api_as(member).post(f"/incidents/{outage.pk}/situation-report/regenerate")
        assert_error(response, 409, "conflict", field="status", message_contains="is triggered")


def test_incident_stakeholders_added_listed_and_removed(api_as, outage, member, dana):
    api = api_as(member)

    by_address = api.post(f"/incidents/{outage.pk}/stakeholders", {"email": "Press@Example.org"})
    by_person = api.post(f"/incidents/{outage.pk}/stakeholders", {"user": "dana@example.com"})

    assert by_address.status_code == 201, by_address.content
    assert by_address.json() == {
        "id": by_address.json()["id"],
        "user": None,
        "email": "press@example.org",
    }
    assert by_person.json()["user"] == "dana@example.com"
    listed = api.get(f"/incidents/{outage.pk}/stakeholders").json()
    assert [s["email"] for s in listed] == ["press@example.org", "dana@example.com"]

    gone = api.delete(f"/incidents/{outage.pk}/stakeholders/{by_address.json()['id']}")
    assert gone.status_code == 204
    assert list(Stakeholder.objects.values_list("user__email", flat=True)) == ["dana@example.com"]


@pytest.mark.parametrize(
    "body, status, code, field, message",
    [
        ({}, 422, "validation_failed", "email", "name either a user or an e-mail address"),
        (
            {"user": "dana@example.com", "email": "x@example.com"},
            422,
            "validation_failed",
            "email",
            "name either",
        ),
        ({"email": "not an address"}, 422, "validation_failed", "email", "not an e-mail address"),
        ({"email": "a@b.c\u0000"}, 422, "validation_failed", "email", "NUL"),
        ({"user": "nobody@example.com"}, 422, "validation_failed", "user", "no user"),
        ({"address": "cfo@example.com"}, 422, "validation_failed", "address", ""),
        ({"email": "cfo@example.com"}, 409, "conflict", "email", "already a stakeholder"),
    ],
)
def test_bad_stakeholders_are_refused(
    api_as, outage, member, lead, dana, unchanged, body, status, code, field, message
):
    Stakeholder.objects.create(incident=outage, email="cfo@example.com", added_by=lead)
    with unchanged(outage):
        response = api_as(member).post(f"/incidents/{outage.pk}/stakeholders", body)
        assert_error(response, status, code, field=field, message_contains=message)


def test_team_stakeholders_are_for_leads_to_change(api_as, payments, lead, member, unchanged,
                                                    outage):  # fmt: skip
    with unchanged(outage):
        refused = api_as(member).post("/teams/payments/stakeholders", {"email": "cfo@example.com"})
        assert_error(refused, 403, "permission_denied", message_contains="lead of Payments")
        assert_error(
            api_as(lead).post("/teams/nope/stakeholders", {"email": "cfo@example.com"}),
            404,
            "not_found",
        )

    added = api_as(lead).post("/teams/payments/stakeholders", {"email": "cfo@example.com"})
    assert added.status_code == 201
    assert [s["email"] for s in api_as(member).get("/teams/payments/stakeholders").json()] == [
        "cfo@example.com"
    ]
    with unchanged(outage):
        again = api_as(lead).post("/teams/payments/stakeholders", {"email": "CFO@example.com"})
        assert_error(again, 409, "conflict", field="email", message_contains="already")
        wrong_list = api_as(lead).delete(
            f"/incidents/{outage.pk}/stakeholders/{added.json()['id']}"
        )
        assert_error(wrong_list, 404, "not_found")
    assert (
        api_as(lead).delete(f"/teams/payments/stakeholders/{added.json()['id']}").status_code == 204
    )
    assert not Stakeholder.objects.exists()
