"""Reads that pages, the API, the export and the services share."""

from django.db.models import QuerySet

from tocsin.accounts.models import User

from .models import Postmortem, PostmortemStatus, Review, Verdict


def approvals(postmortem: Postmortem) -> QuerySet[Review]:
    """The approvals that count: this review round's, never the author's own."""
    reviews = postmortem.reviews.filter(
        verdict=Verdict.APPROVE, review_round=postmortem.review_round
    ).select_related("reviewer")
    if postmortem.author_id:
        reviews = reviews.exclude(reviewer_id=postmortem.author_id)
    return reviews


def approvers(postmortem: Postmortem) -> list[User]:
    return [review.reviewer for review in approvals(postmortem)]


def reviewers(postmortem: Postmortem) -> list[User]:
    return [request.reviewer for request in postmortem.review_requests.select_related("reviewer")]


def pending_reviewers(postmortem: Postmortem) -> list[User]:
    """Reviewers who have neither approved nor requested changes in this round."""
    done = set(
        postmortem.reviews.filter(review_round=postmortem.review_round).values_list(
            "reviewer_id", flat=True
        )
    )
    return [user for user in reviewers(postmortem) if user.pk not in done]


def postmortems_for_list(status: str = "") -> QuerySet[Postmortem]:
    postmortems = Postmortem.objects.select_related(
        "incident__team", "incident__severity", "author"
    )
    if status in PostmortemStatus.values:
        postmortems = postmortems.filter(status=status)
    return postmortems


def postmortem_of(incident) -> Postmortem | None:
    return Postmortem.objects.filter(incident=incident).select_related("author").first()
