"""Who may see, edit, review and publish a post-mortem: the answers in
tocsin/accounts/permissions/, and the services that enforce them."""

import pytest

from tests.support.people import person
from tocsin.accounts.models import InstanceRole
from tocsin.accounts.permissions import (
    may_comment_on_postmortem,
    may_edit_postmortem,
    may_publish_postmortem,
    may_review_postmortem,
    may_see_postmortem,
)
from tocsin.errors import PermissionDenied
from tocsin.postincident.postmortems.models import PostmortemStatus
from tocsin.postincident.postmortems.services import request_review, review, update_postmortem


@pytest.fixture
def stranger(platform):
    return person("dan@example.com", "Dan Ruiz", team=platform)


def test_who_may_edit(postmortem, bob, alice, other_member, admin, carol, viewer):
    # The author (Bob, also the commander), the team (Alice, Erin), admins.
    assert may_edit_postmortem(postmortem, bob)
    assert may_edit_postmortem(postmortem, alice)
    assert may_edit_postmortem(postmortem, other_member)
    assert may_edit_postmortem(postmortem, admin)
    assert not may_edit_postmortem(postmortem, carol)
    assert not may_edit_postmortem(postmortem, viewer)


def test_the_author_from_another_team_may_edit(postmortem, carol, admin):
    update_postmortem(postmortem=postmortem, by=admin, author=carol)
    postmortem.refresh_from_db()
    assert may_edit_postmortem(postmortem, carol)


def test_an_outsider_may_not_edit_and_nothing_changes(postmortem, carol):
    with pytest.raises(PermissionDenied, match="only the author, the commander of INC-"):
        update_postmortem(postmortem=postmortem, by=carol, sections={"Lessons": "Mine now"})
    assert postmortem.sections.get(title="Lessons").body == ""


def test_a_viewer_in_the_team_sees_the_draft_but_may_not_edit(postmortem, payments, bob):
    from tocsin.accounts.models import Membership

    vera = person("vera@example.com", "Vera Team", role=InstanceRole.VIEWER)
    Membership.objects.create(team=payments, user=vera)
    assert may_see_postmortem(postmortem, vera)
    assert not may_edit_postmortem(postmortem, vera)
    with pytest.raises(PermissionDenied, match="viewer"):
        update_postmortem(postmortem=postmortem, by=vera, sections={"Lessons": "x"})


def test_who_may_see_before_and_after_publishing(in_review, carol, stranger, viewer, alice):
    assert may_see_postmortem(in_review, carol)  # a reviewer
    assert not may_see_postmortem(in_review, stranger)
    assert not may_see_postmortem(in_review, viewer)
    assert not may_see_postmortem(in_review, None)
    in_review.status = PostmortemStatus.PUBLISHED
    assert may_see_postmortem(in_review, stranger)
    assert may_see_postmortem(in_review, viewer)
    assert not may_see_postmortem(in_review, None)


def test_who_may_review_and_comment(in_review, bob, alice, carol, other_member):
    assert may_review_postmortem(in_review, alice)
    assert may_review_postmortem(in_review, carol)
    assert not may_review_postmortem(in_review, bob)  # the author
    assert not may_review_postmortem(in_review, other_member)  # not asked
    assert may_comment_on_postmortem(in_review, carol)
    assert may_comment_on_postmortem(in_review, other_member)  # may edit, so may comment


def test_a_reviewer_switched_off_may_not_review(in_review, alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert not may_review_postmortem(in_review, alice)
    with pytest.raises(PermissionDenied, match="cannot sign in"):
        review(postmortem=in_review, by=alice, verdict="approve")
    assert not in_review.reviews.exists()


def test_who_may_publish(in_review, bob, alice, carol, admin):
    assert not may_publish_postmortem(in_review, bob)  # not approved yet
    review(postmortem=in_review, by=alice, verdict="approve")
    review(postmortem=in_review, by=carol, verdict="approve")
    in_review.refresh_from_db()
    assert may_publish_postmortem(in_review, bob)
    assert may_publish_postmortem(in_review, admin)
    assert not may_publish_postmortem(in_review, alice)  # a lead of the team, and a reviewer


def test_only_who_may_edit_asks_for_reviews(postmortem, carol, alice):
    with pytest.raises(PermissionDenied, match="may ask for reviews"):
        request_review(postmortem=postmortem, by=carol, reviewers=[alice])
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.DRAFT
    assert not postmortem.review_requests.exists()
