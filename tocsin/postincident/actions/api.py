"""REST endpoints of action items: list (filtered), add, read, change. Thin: look up, call one
service, serialize."""

from datetime import date, datetime

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from tocsin.accounts.api import team_by_slug, user_by_reference
from tocsin.accounts.permissions import may_see_action_items
from tocsin.errors import NotFound, PermissionDenied, ValidationFailed
from tocsin.incidents.api.shared import channel
from tocsin.incidents.selectors import incident_by_reference
from tocsin.runbooks.models import Runbook
from tocsin.schemas import ERRORS, Input, Patch, UserRef, refuse_nul

from . import selectors, services
from .models import OPEN_STATUSES, ActionItem, ActionKind, ActionPriority, ActionStatus
from .services import UNSET

router = Router(tags=["action items"])


class ActionItemOut(Schema):
    id: int
    incident: str = Field(description="The incident's reference, e.g. INC-12.")
    postmortem: bool = Field(description="Whether it came from the incident's post-mortem.")
    kind: str = Field(description=", ".join(ActionKind.values))
    title: str
    description: str
    owner: str = Field(description="The owner's e-mail address.")
    due_on: date
    priority: str = Field(description=", ".join(ActionPriority.values))
    status: str = Field(description=", ".join(ActionStatus.values))
    wont_do_reason: str
    external_url: str
    runbook: str | None = Field(description="The runbook's slug, for the runbook kinds.")
    overdue: bool
    created_by: str | None
    created_at: datetime
    done_at: datetime | None

    @staticmethod
    def resolve_incident(item) -> str:
        return item.incident.reference

    @staticmethod
    def resolve_postmortem(item) -> bool:
        return item.postmortem_id is not None

    @staticmethod
    def resolve_owner(item) -> str:
        return item.owner.email

    @staticmethod
    def resolve_runbook(item) -> str | None:
        return item.runbook.slug if item.runbook_id else None

    @staticmethod
    def resolve_overdue(item) -> bool:
        return item.is_overdue()

    @staticmethod
    def resolve_created_by(item) -> str | None:
        return item.created_by.email if item.created_by_id else None


class ListFilters(Schema):
    owner: str | None = Field(None, description="`me`, or an e-mail address or user id.")
    team: str | None = Field(None, description="A team's slug: items of its incidents.")
    status: str | None = Field(None, description=", ".join(ActionStatus.values))
    overdue: bool | None = Field(None, description="true: only open items past their due date.")

    no_nul_characters = field_validator("*", mode="before")(refuse_nul)


class ActionItemIn(Input):
    incident: str = Field(description="The incident's reference, e.g. INC-12.")
    kind: str = Field(description=", ".join(ActionKind.values))
    title: str
    description: str = ""
    owner: UserRef = Field(description="A person, by e-mail address or user id.")
    due_on: date
    priority: str = Field(ActionPriority.MEDIUM, description=", ".join(ActionPriority.values))
    external_url: str = Field("", description="An http(s) address of an issue in a tracker.")
    runbook: str | None = Field(None, description="A runbook's slug, for the runbook kinds.")


class ActionItemPatch(Patch):
    kind: str = None
    title: str = None
    description: str = None
    owner: UserRef = Field(None, description="A person, by e-mail address or user id.")
    due_on: date = None
    priority: str = None
    external_url: str = None
    status: str = Field(None, description=", ".join(ActionStatus.values) + "; owner or admin")
    reason: str = Field(None, description="Required with status wont_do.")


def _runbook(slug: str | None):
    if slug is None:
        return None
    runbook = Runbook.objects.filter(slug=slug).first()
    if runbook is None:
        raise ValidationFailed(f"no runbook {slug!r}", field="runbook")
    return runbook


def _signed_in(request) -> None:
    if not may_see_action_items(request.user):
        raise PermissionDenied("sign in to see action items")


def _item(request, pk: int) -> ActionItem:
    _signed_in(request)
    item = selectors.with_relations(ActionItem.objects.filter(pk=pk)).first()
    if item is None:
        raise NotFound(f"no action item {pk}")
    return item


@router.get("/action-items", response={200: list[ActionItemOut], **ERRORS})
def list_action_items(request, filters: Query[ListFilters]):
    """Action items, overdue first; filter by owner (`me`), team, status, overdue."""
    _signed_in(request)
    items = ActionItem.objects.all()
    if filters.owner is not None:
        owner = (
            request.user
            if filters.owner == "me"
            else user_by_reference(filters.owner, field="owner")
        )
        items = items.filter(owner=owner)
    if filters.team is not None:
        items = items.filter(incident__team=team_by_slug(filters.team, field="team"))
    if filters.status is not None:
        if filters.status not in ActionStatus.values:
            raise ValidationFailed(
                f"unknown status {filters.status!r}; use one of {', '.join(ActionStatus.values)}",
                field="status",
            )
        items = items.filter(status=filters.status)
    if filters.overdue is not None:
        late = {"status__in": OPEN_STATUSES, "due_on__lt": timezone.now().date()}
        items = items.filter(**late) if filters.overdue else items.exclude(**late)
    return list(selectors.overdue_first(selectors.with_relations(items)))


@router.post("/action-items", response={201: ActionItemOut, **ERRORS})
def create_action_item(request, payload: ActionItemIn):
    """Who may work the incident or edit its post-mortem."""
    incident = incident_by_reference(payload.incident)
    if incident is None:
        raise ValidationFailed(f"no incident {payload.incident!r}", field="incident")
    item = services.create_action_item(
        incident=incident,
        by=request.user,
        via=channel(request),
        kind=payload.kind,
        title=payload.title,
        description=payload.description,
        owner=user_by_reference(payload.owner, field="owner"),
        due_on=payload.due_on,
        priority=payload.priority,
        external_url=payload.external_url,
        runbook=_runbook(payload.runbook),
    )
    return Status(201, item)


@router.get("/action-items/{pk}", response={200: ActionItemOut, **ERRORS})
def get_action_item(request, pk: int):
    """Anyone signed in."""
    return _item(request, pk)


@router.patch("/action-items/{pk}", response={200: ActionItemOut, **ERRORS})
def update_action_item(request, pk: int, payload: ActionItemPatch):
    """Fields: who may add; `status` (with `reason` for wont_do): its owner or an admin."""
    item = _item(request, pk)
    given = payload.model_dump(exclude_unset=True)
    if "owner" in given:
        given["owner"] = user_by_reference(given["owner"], field="owner")
    changes = {name: given.get(name, UNSET) for name in ActionItemPatch.model_fields}
    services.change_action_item(item=item, by=request.user, via=channel(request), **changes)
    return _item(request, pk)
