"""Reviews: the author asks people to review; they comment on sections, approve or request
changes. Approvals of this round that are not the author's count; enough of them approve the
post-mortem; a request for changes starts a new round, so earlier approvals no longer count."""

from collections.abc import Iterable

from django.db import transaction

from tocsin.accounts.models import User
from tocsin.accounts.permissions import (
    ensure_can_write,
    ensure_may_comment_on_postmortem,
    ensure_may_edit_postmortem,
    ensure_may_review_postmortem,
)
from tocsin.errors import Conflict, PermissionDenied, ValidationFailed
from tocsin.incidents.models import Channel

from .. import selectors
from ..models import (
    Postmortem,
    PostmortemStatus,
    Review,
    ReviewRequest,
    Section,
    SectionComment,
    Verdict,
)
from ..notices import tell_reviewer
from .common import EDITABLE, clean_body, ensure_status, locked, tell_the_incident, touch

REVIEWABLE = {PostmortemStatus.IN_REVIEW, PostmortemStatus.APPROVED}


def request_review(
    *,
    postmortem: Postmortem,
    by: User,
    reviewers: Iterable[User] = (),
    via: str = Channel.WEB,
) -> Postmortem:
    """Ask `reviewers` (more may be added later) and put the post-mortem in review."""
    ensure_may_edit_postmortem(postmortem, by, action="ask for reviews")
    reviewers = list(dict.fromkeys(reviewers))
    with transaction.atomic():
        postmortem = locked(postmortem)
        ensure_status(postmortem, EDITABLE, action="be sent for review")
        for reviewer in reviewers:
            if reviewer.pk == postmortem.author_id:
                raise ValidationFailed(
                    f"{reviewer} wrote this post-mortem and cannot review it", field="reviewers"
                )
            try:
                ensure_can_write(reviewer)
            except PermissionDenied as error:
                raise ValidationFailed(
                    f"{reviewer} cannot review: {error.message}", field="reviewers"
                ) from None
        asked = set(postmortem.review_requests.values_list("reviewer_id", flat=True))
        new = [reviewer for reviewer in reviewers if reviewer.pk not in asked]
        if not asked and not new:
            raise ValidationFailed("name at least one reviewer", field="reviewers")
        for reviewer in new:
            ReviewRequest.objects.create(postmortem=postmortem, reviewer=reviewer, requested_by=by)
        before = postmortem.status
        if before == PostmortemStatus.IN_REVIEW and not new:
            raise Conflict(
                "the post-mortem is already in review by everyone named", field="reviewers"
            )
        postmortem.status = PostmortemStatus.IN_REVIEW
        touch(postmortem, "status")
        for reviewer in new:
            tell_reviewer(postmortem, reviewer, by=by)
        names = ", ".join(str(reviewer) for reviewer in new)
        if new and before == PostmortemStatus.IN_REVIEW:
            message = f"Post-mortem review asked of {names}"
        elif new:
            message = f"Post-mortem sent for review to {names}"
        else:
            message = "Post-mortem sent for review again"
        tell_the_incident(
            postmortem,
            message,
            by=by,
            via=via,
            action="review_requested",
            reviewers=[reviewer.pk for reviewer in new],
        )
    return postmortem


def review(
    *,
    postmortem: Postmortem,
    by: User,
    verdict: str,
    comment: str = "",
    via: str = Channel.WEB,
) -> Review:
    """Approve, or request changes (saying which); only a reviewer, never the author."""
    if verdict not in Verdict.values:
        raise ValidationFailed(
            f"unknown verdict {verdict!r}; use one of {', '.join(Verdict.values)}",
            field="verdict",
        )
    comment = clean_body(comment, field="comment", required=verdict == Verdict.REQUEST_CHANGES)
    ensure_may_review_postmortem(postmortem, by)
    with transaction.atomic():
        postmortem = locked(postmortem)
        ensure_may_review_postmortem(postmortem, by)
        ensure_status(postmortem, REVIEWABLE, action="be reviewed")
        if verdict == Verdict.APPROVE:
            if postmortem.reviews.filter(
                reviewer=by, verdict=Verdict.APPROVE, review_round=postmortem.review_round
            ).exists():
                raise Conflict(f"{by} has already approved this post-mortem", field="verdict")
            made = Review.objects.create(
                postmortem=postmortem,
                reviewer=by,
                verdict=verdict,
                comment=comment,
                review_round=postmortem.review_round,
            )
            count = selectors.approvals(postmortem).count()
            message = f"Post-mortem approved by {by} ({count} of {postmortem.approvals_required})"
            if (
                postmortem.status == PostmortemStatus.IN_REVIEW
                and count >= postmortem.approvals_required
            ):
                postmortem.status = PostmortemStatus.APPROVED
                touch(postmortem, "status")
                message += ": ready to publish"
        else:
            made = Review.objects.create(
                postmortem=postmortem,
                reviewer=by,
                verdict=verdict,
                comment=comment,
                review_round=postmortem.review_round,
            )
            postmortem.status = PostmortemStatus.CHANGES_REQUESTED
            postmortem.review_round += 1
            touch(postmortem, "status", "review_round")
            message = f"Post-mortem changes requested by {by}; approvals start again"
        tell_the_incident(postmortem, message, by=by, via=via, action=verdict)
    return made


def comment(
    *,
    postmortem: Postmortem,
    section: str,
    by: User,
    body: str,
    via: str = Channel.WEB,
) -> SectionComment:
    """A comment on one section (named by its title), by a reviewer or whoever may edit it."""
    ensure_may_comment_on_postmortem(postmortem, by)
    body = clean_body(body, field="body", required=True)
    with transaction.atomic():
        postmortem = locked(postmortem)
        ensure_status(
            postmortem,
            set(PostmortemStatus.values) - {PostmortemStatus.PUBLISHED},
            action="take comments",
        )
        target = Section.objects.filter(postmortem=postmortem, title=section).first()
        if target is None:
            raise ValidationFailed(f"the post-mortem has no section {section!r}", field="section")
        made = SectionComment.objects.create(section=target, author=by, body=body)
        tell_the_incident(
            postmortem,
            f"Post-mortem comment by {by} on {target.title}",
            by=by,
            via=via,
            action="commented",
            section=target.title,
        )
    return made
