"""The REST API of post-mortems: the story through /api/v1, and bad input refused with a JSON
error that names the problem, changing nothing."""

import pytest

from tocsin.incidents.models import Channel, TimelineEvent
from tocsin.incidents.services import declare
from tocsin.postincident.postmortems.models import Postmortem, PostmortemStatus, Review


def url(postmortem_or_incident, tail=""):
    incident = getattr(postmortem_or_incident, "incident", postmortem_or_incident)
    return f"/incidents/{incident.reference}/postmortem{tail}"


def test_the_story_through_the_api(postmortem, api_as, bob, alice, carol, settings, tmp_path):
    settings.POSTMORTEM_DIR = str(tmp_path)
    as_bob, as_alice, as_carol = api_as(bob), api_as(alice), api_as(carol)
    response = as_bob.get(url(postmortem))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["author"]["email"] == bob.email
    assert body["due_on"] == "2026-12-11"
    assert body["approvals_required"] == 2

    response = as_bob.patch(url(postmortem), {"sections": {"Lessons": "Probe the gateway."}})
    assert response.status_code == 200, response.content
    lessons = [s for s in response.json()["sections"] if s["title"] == "Lessons"]
    assert lessons[0]["body"] == "Probe the gateway."

    response = as_bob.post(
        url(postmortem, "/review-requests"), {"reviewers": [alice.email, carol.pk]}
    )
    assert response.status_code == 200, response.content
    assert response.json()["reviewers"] == [alice.email, carol.email]

    response = as_carol.post(url(postmortem, "/comments"), {"section": "Lessons", "body": "Yes."})
    assert response.status_code == 201, response.content
    for client in (as_alice, as_carol):
        response = client.post(url(postmortem, "/reviews"), {"verdict": "approve"})
        assert response.status_code == 201, response.content
    assert as_bob.get(url(postmortem)).json()["status"] == "approved"

    response = as_bob.post(url(postmortem, "/publish"))
    assert response.status_code == 422  # no action item, and no reason why none
    assert response.json()["error"]["field"] == "no_action_items_reason"
    response = as_bob.post(url(postmortem, "/publish"), {"no_action_items_reason": "Rolled back."})
    assert response.status_code == 200, response.content
    assert response.json()["no_action_items_reason"] == "Rolled back."
    assert response.json()["status"] == "published"
    assert response.json()["exported_path"].endswith("-checkout-returns-502.md")

    response = as_carol.get(url(postmortem, ".md"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert "attachment; filename=" in response["Content-Disposition"]
    text = response.content.decode()
    assert text.startswith("---\n") and "## Lessons\n\nProbe the gateway." in text
    assert [p["incident"] for p in as_carol.get("/postmortems").json()] == [
        postmortem.incident.reference
    ]


def test_starting_one_by_hand(friday, api_as, payments, bob, p3):
    incident = declare(title="Slow search", severity=p3, team=payments, by=bob, via=Channel.WEB)
    response = api_as(bob).post(url(incident))
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "draft"
    response = api_as(bob).post(url(incident))
    assert response.status_code == 409
    assert "already has a post-mortem" in response.json()["error"]["message"]
    assert Postmortem.objects.count() == 1


def test_a_draft_is_hidden_from_strangers(postmortem, api_as, viewer):
    response = api_as(viewer).get(url(postmortem))
    assert response.status_code == 403
    assert "before it is published" in response.json()["error"]["message"]
    assert api_as(viewer).get("/postmortems").json() == []


def test_an_incident_without_one_is_404(friday, api_as, payments, bob, p3):
    incident = declare(title="Slow search", severity=p3, team=payments, by=bob, via=Channel.WEB)
    response = api_as(bob).get(url(incident))
    assert response.status_code == 404
    assert response.json()["error"]["message"] == f"{incident.reference} has no post-mortem"


@pytest.mark.parametrize(
    "body, status, field, message",
    [
        ({"sections": {"Root cause": "x"}}, 422, "sections", "no section 'Root cause'"),
        ({"sections": {"Lessons": 5}}, 422, "sections.Lessons", "valid string"),
        ({"due_on": "someday"}, 422, "due_on", "valid date"),
        ({"due_on": None}, 422, "due_on", "null is not a value"),
        ({"author": "nobody@example.com"}, 422, "author", "no user 'nobody@example.com'"),
        ({"colour": "red"}, 422, "colour", "unknown field 'colour'"),
        ({"sections": {"Lessons": "a\x00b"}}, 422, "sections", "NUL"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(
    postmortem, api_as, bob, body, status, field, message
):
    before = TimelineEvent.objects.count()
    response = api_as(bob).patch(url(postmortem), body)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["field"] == field
    assert message in error["message"]
    assert TimelineEvent.objects.count() == before
    assert postmortem.sections.get(title="Lessons").body == ""


def test_the_author_approving_is_403(in_review, api_as, bob):
    response = api_as(bob).post(url(in_review, "/reviews"), {"verdict": "approve"})
    assert response.status_code == 403
    assert "the author's own review does not count" in response.json()["error"]["message"]
    assert not Review.objects.exists()


def test_an_unknown_verdict_is_422(in_review, api_as, alice):
    response = api_as(alice).post(url(in_review, "/reviews"), {"verdict": "lgtm"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "verdict"
    assert not Review.objects.exists()


def test_publishing_too_early_is_409(in_review, api_as, bob):
    response = api_as(bob).post(url(in_review, "/publish"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    in_review.refresh_from_db()
    assert in_review.status == PostmortemStatus.IN_REVIEW


def test_reviewers_named_wrongly_are_422(postmortem, api_as, bob):
    response = api_as(bob).post(url(postmortem, "/review-requests"), {"reviewers": ["ghost@x.org"]})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "reviewers"
    assert not postmortem.review_requests.exists()


def test_an_approved_one_is_not_edited_any_more(in_review, api_as, bob, alice, carol):
    from tocsin.postincident.postmortems.services import review

    review(postmortem=in_review, by=alice, verdict="approve")
    review(postmortem=in_review, by=carol, verdict="approve")
    response = api_as(bob).patch(url(in_review), {"sections": {"Lessons": "Late edit"}})
    assert response.status_code == 409
    assert "is approved: it cannot be edited" in response.json()["error"]["message"]
    assert in_review.sections.get(title="Lessons").body == ""


def test_the_list_filters_by_status_and_names_an_unknown_one(postmortem, api_as, bob):
    assert len(api_as(bob).get("/postmortems", status="draft").json()) == 1
    assert api_as(bob).get("/postmortems", status="published").json() == []
    response = api_as(bob).get("/postmortems", status="finished")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "status"
    assert "unknown status 'finished'" in response.json()["error"]["message"]
