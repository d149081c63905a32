"""REST endpoints of hot fixes: an incident's (list, record), all of them (filtered: unmerged,
team, owner), one (read, change), its merge-back targets (add, remove) and their merge-backs
(done, undone). Thin: look up, call one service, serialize.

A branch in an address is written as it is, slashes included:
`POST /hotfixes/7/merged/release/2.3` marks the merge-back into release/2.3 done.
"""

from datetime import datetime

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from tocsin.accounts.api import team_by_slug, user_by_reference
from tocsin.accounts.permissions import may_see_hot_fixes
from tocsin.errors import NotFound, PermissionDenied
from tocsin.incidents.api.shared import channel, incident_named
from tocsin.schemas import ERRORS, Input, Patch, UserRef, refuse_nul

from . import selectors, services
from .models import HotFix

router = Router(tags=["hot fixes"])


class MergeBackOut(Schema):
    branch: str
    done: bool
    done_at: datetime | None
    done_by: str | None = Field(description="The e-mail address of who ticked it done.")
    link: str = Field(description="The merge-back's own change, when given.")

    @staticmethod
    def resolve_done_by(target) -> str | None:
        return target.done_by.email if target.done_by_id else None


class HotFixOut(Schema):
    id: int
    incident: str = Field(description="The incident's reference, e.g. INC-12.")
    change_url: str
    branch: str = Field(description="The branch it went to, e.g. main.")
    owner: str = Field(description="The owner's e-mail address.")
    note: str
    unmerged: bool = Field(description="Whether a merge-back target is not done yet.")
    targets: list[MergeBackOut] = Field(description="The branches to merge it back into.")
    created_by: str | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_incident(hot_fix) -> str:
        return hot_fix.incident.reference

    @staticmethod
    def resolve_owner(hot_fix) -> str:
        return hot_fix.owner.email

    @staticmethod
    def resolve_unmerged(hot_fix) -> bool:
        return hot_fix.is_unmerged

    @staticmethod
    def resolve_targets(hot_fix) -> list:
        return list(hot_fix.targets.all())

    @staticmethod
    def resolve_created_by(hot_fix) -> str | None:
        return hot_fix.created_by.email if hot_fix.created_by_id else None


class HotFixIn(Input):
    change_url: str = Field(description="An http(s) address: the pull or merge request.")
    branch: str = Field(description="The branch it went to, e.g. main.")
    targets: list[str] = Field(
        [], description="Branches to merge it back into, e.g. release/2.3; each once."
    )
    owner: UserRef | None = Field(
        None, description="A person, by e-mail address or user id; you unless given."
    )
    note: str = ""


class HotFixPatch(Patch):
    change_url: str = None
    branch: str = None
    owner: UserRef = Field(None, description="A person, by e-mail address or user id.")
    note: str = None


class MergeBackIn(Input):
    branch: str = Field(description="A branch to merge it back into, e.g. release/2.1.")


class MergedIn(Input):
    link: str = Field(None, description="The merge-back's own change (http or https).")


class ListFilters(Schema):
    unmerged: bool | None = Field(
        None, description="true: only those with a merge-back not done; false: the others."
    )
    team: str | None = Field(None, description="A team's slug: hot fixes of its incidents.")
    owner: str | None = Field(None, description="`me`, or an e-mail address or user id.")

    no_nul_characters = field_validator("*", mode="before")(refuse_nul)


def _signed_in(request) -> None:
    if not may_see_hot_fixes(request.user):
        raise PermissionDenied("sign in to see hot fixes")


def _hot_fix(request, hot_fix_id: int) -> HotFix:
    _signed_in(request)
    hot_fix = selectors.with_relations(HotFix.objects.filter(pk=hot_fix_id)).first()
    if hot_fix is None:
        raise NotFound(f"no hot fix {hot_fix_id}")
    return hot_fix


def _listed(hot_fixes: QuerySet[HotFix]) -> list[HotFix]:
    return list(selectors.with_relations(hot_fixes).order_by("created_at", "id"))


@router.get("/incidents/{ref}/hotfixes", response={200: list[HotFixOut], **ERRORS})
def list_incident_hot_fixes(request, ref: str):
    """The incident's hot fixes, oldest first: anyone signed in."""
    _signed_in(request)
    return _listed(HotFix.objects.filter(incident=incident_named(ref)))


@router.post("/incidents/{ref}/hotfixes", response={201: HotFixOut, **ERRORS})
def record_hot_fix(request, ref: str, payload: HotFixIn):
    """Record a hot fix, on an open or a resolved incident: who may work the incident."""
    incident = incident_named(ref)
    owner = None if payload.owner is None else user_by_reference(payload.owner, field="owner")
    hot_fix = services.record_hot_fix(
        incident=incident,
        by=request.user,
        change_url=payload.change_url,
        branch=payload.branch,
        targets=payload.targets,
        owner=owner,
        note=payload.note,
        via=channel(request),
    )
    return Status(201, _hot_fix(request, hot_fix.pk))


@router.get("/hotfixes", response={200: list[HotFixOut], **ERRORS})
def list_hot_fixes(request, filters: Query[ListFilters]):
    """Every hot fix, oldest first; filter by unmerged, team, owner (`me`)."""
    _signed_in(request)
    hot_fixes = HotFix.objects.all()
    if filters.unmerged is not None:
        hot_fixes = (selectors.unmerged if filters.unmerged else selectors.merged)(hot_fixes)
    if filters.team is not None:
        hot_fixes = hot_fixes.filter(incident__team=team_by_slug(filters.team, field="team"))
    if filters.owner is not None:
        owner = (
            request.user
            if filters.owner == "me"
            else user_by_reference(filters.owner, field="owner")
        )
        hot_fixes = hot_fixes.filter(owner=owner)
    return _listed(hot_fixes)


@router.get("/hotfixes/{int:hot_fix_id}", response={200: HotFixOut, **ERRORS})
def get_hot_fix(request, hot_fix_id: int):
    """Anyone signed in."""
    return _hot_fix(request, hot_fix_id)


@router.patch("/hotfixes/{int:hot_fix_id}", response={200: HotFixOut, **ERRORS})
def update_hot_fix(request, hot_fix_id: int, payload: HotFixPatch):
    """Change its address, branch, owner or note: its owner, who may work the incident."""
    hot_fix = _hot_fix(request, hot_fix_id)
    given = payload.model_dump(exclude_unset=True)
    if "owner" in given:
        given["owner"] = user_by_reference(given["owner"], field="owner")
    services.edit_hot_fix(hot_fix=hot_fix, by=request.user, via=channel(request), **given)
    return _hot_fix(request, hot_fix_id)


@router.post("/hotfixes/{int:hot_fix_id}/targets", response={201: HotFixOut, **ERRORS})
def add_merge_back_target(request, hot_fix_id: int, payload: MergeBackIn):
    """One more branch to merge it back into; a branch already there is a 409."""
    hot_fix = _hot_fix(request, hot_fix_id)
    services.add_target(
        hot_fix=hot_fix, by=request.user, branch=payload.branch, via=channel(request)
    )
    return Status(201, _hot_fix(request, hot_fix_id))


@router.delete(
    "/hotfixes/{int:hot_fix_id}/targets/{path:branch}", response={200: HotFixOut, **ERRORS}
)
def remove_merge_back_target(request, hot_fix_id: int, branch: str):
    """No merge-back into this branch needed after all."""
    hot_fix = _hot_fix(request, hot_fix_id)
    services.remove_target(hot_fix=hot_fix, by=request.user, branch=branch, via=channel(request))
    return _hot_fix(request, hot_fix_id)


@router.post("/hotfixes/{int:hot_fix_id}/merged/{path:branch}", response={200: HotFixOut, **ERRORS})
def mark_merged_back(request, hot_fix_id: int, branch: str, payload: MergedIn | None = None):
    """The merge-back into this branch is done (again: nothing changes), optionally with the
    merge's own address as `link`."""
    hot_fix = _hot_fix(request, hot_fix_id)
    link = services.UNSET if payload is None or payload.link is None else payload.link
    services.mark_merged_back(
        hot_fix=hot_fix, by=request.user, branch=branch, link=link, via=channel(request)
    )
    return _hot_fix(request, hot_fix_id)


@router.delete(
    "/hotfixes/{int:hot_fix_id}/merged/{path:branch}", response={200: HotFixOut, **ERRORS}
)
def mark_not_merged_back(request, hot_fix_id: int, branch: str):
    """The merge-back into this branch is not done after all (not done: nothing changes)."""
    hot_fix = _hot_fix(request, hot_fix_id)
    services.mark_not_merged_back(
        hot_fix=hot_fix, by=request.user, branch=branch, via=channel(request)
    )
    return _hot_fix(request, hot_fix_id)
