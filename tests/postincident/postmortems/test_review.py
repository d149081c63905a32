"""The review rules: only reviewers review, the author's own approval never counts, N approvals
approve it, requesting changes starts the approvals again; published only once approved."""

import pytest

from tocsin.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from tocsin.incidents.models import Event
from tocsin.notify.models import OutboxMessage
from tocsin.postincident.postmortems import selectors
from tocsin.postincident.postmortems.models import PostmortemStatus, Review, SectionComment
from tocsin.postincident.postmortems.services import (
    comment,
    publish,
    request_review,
    review,
    update_postmortem,
)


def test_asking_for_review_puts_it_in_review_and_mails_each_reviewer(in_review, alice, carol):
    assert in_review.status == PostmortemStatus.IN_REVIEW
    assert selectors.reviewers(in_review) == [alice, carol]
    mails = OutboxMessage.objects.filter(data__postmortem=in_review.pk)
    assert sorted(mails.values_list("address", flat=True)) == [alice.email, carol.email]
    assert all(
        m.subject == f"[{in_review.incident.reference}] Please review the post-mortem of "
        "“Checkout returns 502”"
        for m in mails
    )
    assert in_review.incident.timeline.filter(
        kind=Event.POSTMORTEM, message="Post-mortem sent for review to Alice Novak, Carol Jensen"
    ).exists()


def test_the_author_cannot_be_a_reviewer(postmortem, bob, alice):
    with pytest.raises(ValidationFailed, match="Bob Okafor wrote this post-mortem"):
        request_review(postmortem=postmortem, by=bob, reviewers=[alice, bob])
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.DRAFT
    assert not postmortem.review_requests.exists()
    assert not OutboxMessage.objects.filter(data__postmortem=postmortem.pk).exists()


def test_a_viewer_cannot_be_a_reviewer(postmortem, bob, viewer):
    with pytest.raises(ValidationFailed, match="Vera Viewer cannot review"):
        request_review(postmortem=postmortem, by=bob, reviewers=[viewer])
    assert not postmortem.review_requests.exists()


def test_asking_nobody_is_refused(postmortem, bob):
    with pytest.raises(ValidationFailed, match="name at least one reviewer"):
        request_review(postmortem=postmortem, by=bob, reviewers=[])
    postmortem.refresh_from_db()
    assert postmortem.status == PostmortemStatus.DRAFT


def test_two_approvals_approve_it(in_review, alice, carol):
    review(postmortem=in_review, by=alice, verdict="approve")
    in_review.refresh_from_db()
    assert in_review.status == PostmortemStatus.IN_REVIEW
    review(postmortem=in_review, by=carol, verdict="approve", comment="Clear and honest.")
    in_review.refresh_from_db()
    assert in_review.status == PostmortemStatus.APPROVED
    assert selectors.approvers(in_review) == [alice, carol]
    assert in_review.incident.timeline.filter(
        message="Post-mortem approved by Carol Jensen (2 of 2): ready to publish"
    ).exists()


def test_only_reviewers_review(in_review, other_member):
    with pytest.raises(PermissionDenied, match="Erin Walsh was not asked to review"):
        review(postmortem=in_review, by=other_member, verdict="approve")
    assert not Review.objects.exists()


def test_the_author_cannot_approve_their_own(in_review, bob):
    with pytest.raises(PermissionDenied, match="the author's own review does not count"):
        review(postmortem=in_review, by=bob, verdict="approve")
    in_review.refresh_from_db()
    assert in_review.status == PostmortemStatus.IN_REVIEW
    assert not Review.objects.exists()


def test_a_reviewer_who_becomes_the_author_no_longer_counts(in_review, alice, carol):
    review(postmortem=in_review, by=alice, verdict="approve")
    in_review.author = alice
    in_review.save(update_fields=["author"])
    assert selectors.approvers(in_review) == []
    review(postmortem=in_review, by=carol, verdict="approve")
    in_review.refresh_from_db()
    assert in_review.status == PostmortemStatus.IN_REVIEW  # 1 of 2: Alice's own does not count


def test_approving_twice_is_refused(in_review, alice):
    review(postmortem=in_review, by=alice, verdict="approve")
    with pytest.raises(Conflict, match="already approved"):
        review(postmortem=in_review, by=alice, verdict="approve")
    assert Review.objects.count() == 1


def test_requesting_changes_resets_the_approvals(in_review, bob, alice, carol):
    review(postmortem=in_review, by=alice, verdict="approve")
    review(
        postmortem=in_review, by=carol, verdict="request_changes", comment="Say why 4.1.3 broke."
    )
    in_review.refresh_from_db()
    assert in_review.status == PostmortemStatus.CHANGES_REQUESTED
    assert selectors.approvers(in_review) == []
    update_postmortem(
        postmortem=in_review, by=bob, sections={"Contributing factors": "4.1.3 dropped keep-alive."}
    )
    request_review(postmortem=in_review, by=bob)
    in_review.refresh_from_db()
    assert in_review.status == PostmortemStatus.IN_REVIEW
    review(postmortem=in_review, by=carol, verdict="approve")
    in_review.refresh_from_db()
    # Alice's approval was of the earlier round: she approves again for it to count.
    assert in_review.status == PostmortemStatus.IN_REVIEW
    review(postmortem=in_review, by=alice, verdict="approve")
    in_review.refresh_from_db()
    assert in_review.status == PostmortemStatus.APPROVED


def test_changes_requested_on_an_approved_one_take_it_back(in_review, alice, carol):
    review(postmortem=in_review, by=alice, verdict="approve")
    review(postmortem=in_review, by=carol, verdict="approve")
    review(postmortem=in_review, by=alice, verdict="request_changes", comment="One more thing.")
    in_review.refresh_from_db()
    assert in_review.status == PostmortemStatus.CHANGES_REQUESTED
    assert selectors.approvers(in_review) == []


def test_requesting_changes_needs_a_comment(in_review, alice):
    with pytest.raises(ValidationFailed, match="comment must not be empty"):
        review(postmortem=in_review, by=alice, verdict="request_changes", comment="  ")
    in_review.refresh_from_db()
    assert in_review.status == PostmortemStatus.IN_REVIEW
    assert not Review.objects.exists()


def test_an_unknown_verdict_is_refused(in_review, alice):
    with pytest.raises(ValidationFailed, match="unknown verdict 'lgtm'"):
        review(postmortem=in_review, by=alice, verdict="lgtm")
    assert not Review.objects.exists()


def test_a_draft_is_not_reviewed_yet(postmortem, alice):
    postmortem.review_requests.create(reviewer=alice)
    with pytest.raises(InvalidTransition, match="is draft: it cannot be reviewed"):
        review(postmortem=postmortem, by=alice, verdict="approve")
    assert not Review.objects.exists()


def test_an_approved_one_is_not_edited(in_review, bob, alice, carol):
    review(postmortem=in_review, by=alice, verdict="approve")
    review(postmortem=in_review, by=carol, verdict="approve")
    with pytest.raises(InvalidTransition, match="is approved: it cannot be edited"):
        update_postmortem(postmortem=in_review, by=bob, sections={"Lessons": "More probes."})
    assert in_review.sections.get(title="Lessons").body == ""


def test_reviewers_comment_on_sections(in_review, carol):
    made = comment(postmortem=in_review, section="Detection", by=carol, body="Which probe?")
    assert made.section.title == "Detection"
    assert in_review.incident.timeline.filter(
        message="Post-mortem comment by Carol Jensen on Detection"
    ).exists()


def test_a_comment_on_an_unknown_section_is_refused(in_review, carol):
    with pytest.raises(ValidationFailed, match="no section 'Root cause'"):
        comment(postmortem=in_review, section="Root cause", by=carol, body="?")
    assert not SectionComment.objects.exists()


def test_a_stranger_may_not_comment(in_review, viewer):
    with pytest.raises(PermissionDenied, match="may comment"):
        comment(postmortem=in_review, section="Detection", by=viewer, body="?")
    assert not SectionComment.objects.exists()


def test_publishing_needs_the_approvals(in_review, bob, alice):
    review(postmortem=in_review, by=alice, verdict="approve")
    with pytest.raises(InvalidTransition, match="is in review: it cannot be published"):
        publish(postmortem=in_review, by=bob)
    in_review.refresh_from_db()
    assert in_review.status == PostmortemStatus.IN_REVIEW
    assert in_review.published_at is None


def test_the_author_publishes_an_approved_one(in_review, bob, alice, carol):
    review(postmortem=in_review, by=alice, verdict="approve")
    review(postmortem=in_review, by=carol, verdict="approve")
    published = publish(postmortem=in_review, by=bob)
    assert published.status == PostmortemStatus.PUBLISHED
    assert published.published_by == bob and published.published_at is not None
    assert published.exported_path == ""  # no folder is set
    assert in_review.incident.timeline.filter(message="Post-mortem published", actor=bob).exists()


def test_a_reviewer_may_not_publish(in_review, alice, carol):
    review(postmortem=in_review, by=alice, verdict="approve")
    review(postmortem=in_review, by=carol, verdict="approve")
    with pytest.raises(PermissionDenied, match="only the author of the post-mortem or an admin"):
        publish(postmortem=in_review, by=alice)
    in_review.refresh_from_db()
    assert in_review.status == PostmortemStatus.APPROVED
