"""REST endpoints of post-mortems, one per incident: start, read (JSON or Markdown), edit, ask
for reviews, review, comment on a section, publish. Thin: look up, call one service, serialize."""

from datetime import date, datetime

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from tocsin.accounts.api import user_by_reference
from tocsin.accounts.permissions import ensure_may_see_postmortem, may_see_postmortem
from tocsin.errors import NotFound, ValidationFailed
from tocsin.incidents.api.shared import channel, incident_named
from tocsin.schemas import ERRORS, Input, Patch, UserRef, refuse_nul

from . import document, selectors, services
from .models import Postmortem, PostmortemStatus, Verdict
from .services.drafting import UNSET

router = Router(tags=["post-mortems"])


class PersonOut(Schema):
    email: str
    display_name: str


class SectionOut(Schema):
    title: str
    guidance: str
    body: str = Field(description="Markdown.")
    comments: list[dict] = Field(description="[{author, body, at}], oldest first.")

    @staticmethod
    def resolve_comments(section) -> list[dict]:
        return [
            {"author": comment.author.email, "body": comment.body, "at": comment.at.isoformat()}
            for comment in section.comments.select_related("author")
        ]


class ReviewOut(Schema):
    reviewer: str
    verdict: str
    comment: str
    review_round: int
    at: datetime

    @staticmethod
    def resolve_reviewer(review) -> str:
        return review.reviewer.email


class PostmortemOut(Schema):
    incident: str = Field(description="The incident's reference, e.g. INC-12.")
    status: str = Field(description=", ".join(PostmortemStatus.values))
    author: PersonOut | None
    due_on: date
    approvals_required: int
    approvals: list[str] = Field(description="Who approved in this review round (e-mails).")
    reviewers: list[str] = Field(description="Who was asked to review (e-mails).")
    review_round: int = Field(description="One more each time changes are requested.")
    created_at: datetime
    published_at: datetime | None
    exported_path: str
    exported_branch: str
    exported_commit: str
    no_action_items_reason: str = Field(description="Why it was published without action items.")
    sections: list[SectionOut]
    reviews: list[ReviewOut]

    @staticmethod
    def resolve_incident(postmortem) -> str:
        return postmortem.incident.reference

    @staticmethod
    def resolve_approvals(postmortem) -> list[str]:
        return [user.email for user in selectors.approvers(postmortem)]

    @staticmethod
    def resolve_reviewers(postmortem) -> list[str]:
        return [user.email for user in selectors.reviewers(postmortem)]

    @staticmethod
    def resolve_sections(postmortem):
        return list(postmortem.sections.all())

    @staticmethod
    def resolve_reviews(postmortem):
        return list(postmortem.reviews.select_related("reviewer"))


class PostmortemSummaryOut(Schema):
    incident: str
    title: str
    status: str
    author: str | None
    due_on: date

    @staticmethod
    def resolve_incident(postmortem) -> str:
        return postmortem.incident.reference

    @staticmethod
    def resolve_title(postmortem) -> str:
        return postmortem.incident.title

    @staticmethod
    def resolve_author(postmortem) -> str | None:
        return postmortem.author.email if postmortem.author_id else None


class ListFilters(Schema):
    status: str | None = Field(None, description=", ".join(PostmortemStatus.values))

    no_nul_characters = field_validator("*", mode="before")(refuse_nul)


def _no_nul_in_sections(value):
    if isinstance(value, dict):
        refuse_nul([str(key) for key in value] + [v for v in value.values() if isinstance(v, str)])
    return value


class PostmortemPatch(Patch):
    author: UserRef = Field(None, description="A person, by e-mail address or user id.")
    due_on: date = None
    sections: dict[str, str] = Field(None, description="{section title: Markdown body}.")

    no_nul_in_sections = field_validator("sections", mode="before")(_no_nul_in_sections)


class ReviewRequestIn(Input):
    reviewers: list[UserRef] = Field(description="People, by e-mail address or user id.")


class ReviewIn(Input):
    verdict: str = Field(description=", ".join(Verdict.values))
    comment: str = Field("", description="Required when requesting changes.")


class CommentIn(Input):
    section: str = Field(description="The section's title.")
    body: str


def _postmortem(request, ref: str) -> Postmortem:
    incident = incident_named(ref)
    postmortem = selectors.postmortem_of(incident)
    if postmortem is None:
        raise NotFound(f"{incident.reference} has no post-mortem")
    postmortem.incident = incident
    ensure_may_see_postmortem(postmortem, request.user)
    return postmortem


@router.get("/postmortems", response={200: list[PostmortemSummaryOut], **ERRORS})
def list_postmortems(request, filters: Query[ListFilters]):
    """The post-mortems the caller may see, newest first."""
    if filters.status is not None and filters.status not in PostmortemStatus.values:
        raise ValidationFailed(
            f"unknown status {filters.status!r}; use one of {', '.join(PostmortemStatus.values)}",
            field="status",
        )
    return [
        postmortem
        for postmortem in selectors.postmortems_for_list(filters.status or "")
        if may_see_postmortem(postmortem, request.user)
    ]


@router.post("/incidents/{ref}/postmortem", response={201: PostmortemOut, **ERRORS})
def start_postmortem(request, ref: str):
    """Whoever may work the incident, for any incident. 409 if it has one."""
    postmortem = services.start_postmortem(
        incident=incident_named(ref), by=request.user, via=channel(request)
    )
    return Status(201, postmortem)


@router.get("/incidents/{ref}/postmortem", response={200: PostmortemOut, **ERRORS})
def get_postmortem(request, ref: str):
    """Published: anyone signed in; before: its author, reviewers, the team, admins."""
    return _postmortem(request, ref)


@router.get(
    "/incidents/{ref}/postmortem.md",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {200: {"description": "Markdown", "content": {"text/markdown": {}}}}
    },
)
def get_postmortem_markdown(request, ref: str):
    """The post-mortem as the Markdown file it is published as, front matter included."""
    postmortem = _postmortem(request, ref)
    response = HttpResponse(
        document.markdown(postmortem), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{document.filename(postmortem)}"'
    return response


@router.patch("/incidents/{ref}/postmortem", response={200: PostmortemOut, **ERRORS})
def update_postmortem(request, ref: str, payload: PostmortemPatch):
    """Sections by title, the author, the due date. 409 once approved or published."""
    postmortem = _postmortem(request, ref)
    author = UNSET
    if payload.author is not None:
        author = user_by_reference(payload.author, field="author")
    return services.update_postmortem(
        postmortem=postmortem,
        by=request.user,
        via=channel(request),
        sections=payload.sections,
        author=author,
        due_on=payload.due_on,
    )


@router.post("/incidents/{ref}/postmortem/review-requests", response={200: PostmortemOut, **ERRORS})
def request_postmortem_review(request, ref: str, payload: ReviewRequestIn):
    """Ask people to review (never the author); puts it in review, again after changes."""
    postmortem = _postmortem(request, ref)
    reviewers = [user_by_reference(person, field="reviewers") for person in payload.reviewers]
    return services.request_review(
        postmortem=postmortem, by=request.user, reviewers=reviewers, via=channel(request)
    )


@router.post("/incidents/{ref}/postmortem/reviews", response={201: ReviewOut, **ERRORS})
def review_postmortem(request, ref: str, payload: ReviewIn):
    """Reviewers only: approve, or request changes (with a comment; approvals start again)."""
    postmortem = _postmortem(request, ref)
    made = services.review(
        postmortem=postmortem,
        by=request.user,
        verdict=payload.verdict,
        comment=payload.comment,
        via=channel(request),
    )
    return Status(201, made)


@router.post("/incidents/{ref}/postmortem/comments", response={201: dict, **ERRORS})
def comment_on_postmortem(request, ref: str, payload: CommentIn):
    """A comment on one section: its reviewers and whoever may edit it."""
    postmortem = _postmortem(request, ref)
    made = services.comment(
        postmortem=postmortem,
        section=payload.section,
        by=request.user,
        body=payload.body,
        via=channel(request),
    )
    return Status(
        201, {"section": made.section.title, "author": made.author.email, "body": made.body}
    )


class PublishIn(Input):
    no_action_items_reason: str = Field(
        "", description="Required when the incident has no action item: why none is needed."
    )


@router.post("/incidents/{ref}/postmortem/publish", response={200: PostmortemOut, **ERRORS})
def publish_postmortem(request, ref: str, payload: PublishIn | None = None):
    """Its author or an admin, once approved; written into TOCSIN_POSTMORTEM_DIR if set."""
    postmortem = _postmortem(request, ref)
    return services.publish(
        postmortem=postmortem,
        by=request.user,
        via=channel(request),
        no_action_items_reason=payload.no_action_items_reason if payload else "",
    )
