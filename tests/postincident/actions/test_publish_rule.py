"""Publishing a post-mortem with no action item needs a reason, kept and shown; with one,
none is asked for."""

from datetime import timedelta

import pytest

from tests.support.web import page_text
from tocsin.errors import ValidationFailed
from tocsin.postincident.actions.services import create_action_item
from tocsin.postincident.postmortems.models import PostmortemStatus
from tocsin.postincident.postmortems.services import publish, request_review, review

from .conftest import TODAY


@pytest.fixture
def approved(postmortem, bob, alice, carol):
    request_review(postmortem=postmortem, by=bob, reviewers=[alice, carol])
    review(postmortem=postmortem, by=alice, verdict="approve")
    review(postmortem=postmortem, by=carol, verdict="approve")
    postmortem.refresh_from_db()
    return postmortem


def test_without_action_items_and_without_a_reason_it_is_not_published(approved, bob):
    with pytest.raises(ValidationFailed, match="has no action item") as refused:
        publish(postmortem=approved, by=bob)
    assert refused.value.field == "no_action_items_reason"
    approved.refresh_from_db()
    assert approved.status == PostmortemStatus.APPROVED and approved.published_at is None
    assert not approved.incident.timeline.filter(
        message__startswith="Post-mortem published"
    ).exists()


def test_with_a_reason_it_is_published_and_the_reason_shown(approved, bob, signed_in, carol):
    published = publish(
        postmortem=approved, by=bob, no_action_items_reason="The rollback is the whole fix."
    )
    assert published.status == PostmortemStatus.PUBLISHED
    assert published.no_action_items_reason == "The rollback is the whole fix."
    assert approved.incident.timeline.filter(
        message="Post-mortem published without action items: The rollback is the whole fix."
    ).exists()
    text = page_text(signed_in(carol).get(f"/postmortems/{approved.pk}/"))
    assert "Published without action items: The rollback is the whole fix." in text


def test_with_an_action_item_no_reason_is_needed(approved, bob):
    create_action_item(
        incident=approved.incident,
        by=bob,
        kind="detect",
        title="Alert on gateway 5xx",
        owner=bob,
        due_on=TODAY + timedelta(days=14),
    )
    published = publish(postmortem=approved, by=bob)
    assert published.status == PostmortemStatus.PUBLISHED
    assert published.no_action_items_reason == ""


def test_the_page_asks_for_the_reason(approved, signed_in, bob):
    client = signed_in(bob)
    assert "No action items: why none is needed" in page_text(
        client.get(f"/postmortems/{approved.pk}/")
    )
    response = client.post(f"/postmortems/{approved.pk}/publish/")
    assert response.status_code == 422
    assert "has no action item: add one, or say why none is needed" in page_text(response)
    approved.refresh_from_db()
    assert approved.status == PostmortemStatus.APPROVED
    response = client.post(
        f"/postmortems/{approved.pk}/publish/", {"no_action_items_reason": "Nothing to follow."}
    )
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.status == PostmortemStatus.PUBLISHED
    assert approved.no_action_items_reason == "Nothing to follow."
