"""REST endpoints for escalation: who gets paged, and the policies that decide it."""

from datetime import datetime, timedelta
from typing import Literal

from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import StrictInt

from tocsin.accounts.api import team_by_slug, user_by_reference
from tocsin.errors import NotFound, ValidationFailed
from tocsin.incidents.api import severity_by_key
from tocsin.schemas import ERRORS, Input, TeamRef, UserOut, UserRef

from ...schedules.models import Schedule
from .. import selectors
from .. import services as policies
from ..models import EscalationPolicy
from ..targets import snapshot_of

router = Router(tags=["on-call"])


class PagedPersonOut(Schema):
    user: UserOut
    reason: str = Field(description="Why this person, e.g. \"on call in 'Payments primary'\".")


class PathLevelOut(Schema):
    position: int
    at: datetime = Field(description="When this level would be paged.")
    delay_seconds: int = Field(description="The wait before the next level.")
    people: list[PagedPersonOut]
    skipped: list[str] = Field(description="Why targets of this level give nobody to page.")


class PathOut(Schema):
    team: TeamRef
    severity: str
    at: datetime
    pages_oncall: bool
    policy: str | None
    repeat: int
    explanation: str
    levels: list[PathLevelOut]


class TargetIn(Input):
    kind: Literal["user", "schedule", "team"]
    user: UserRef | None = Field(
        None, description="For kind user: a member of the team, by e-mail address or id."
    )
    schedule: StrictInt | None = Field(
        None, description="For kind schedule: a schedule id of the team."
    )


class LevelIn(Input):
    delay_minutes: float = Field(
        5, ge=0, le=24 * 60, description="The wait after paging this level before the next one."
    )
    targets: list[TargetIn]


class PolicyFields(Input):
    name: str
    description: str = ""
    repeat: StrictInt = Field(0, description="Go through all levels again this many times.")
    levels: list[LevelIn]


class PolicyIn(PolicyFields):
    team: str = Field(description="The team's slug.")


class PolicyReplaceIn(PolicyFields):
    team: str | None = Field(
        None, description="The policy's own team, if given: policies do not move."
    )


class TargetOut(Schema):
    kind: str
    id: int
    name: str


class LevelOut(Schema):
    position: int
    delay_seconds: int
    targets: list[TargetOut]


class PolicyOut(Schema):
    id: int
    team: TeamRef
    name: str
    description: str
    repeat: int
    in_use: bool = Field(
        description="Whether the team's incidents run it: the team's oldest policy."
    )
    created_at: datetime
    levels: list[LevelOut]


def _policy_out(policy: EscalationPolicy, in_use: EscalationPolicy | None) -> dict:
    snapshot = snapshot_of(policy)
    return {
        "id": policy.pk,
        "team": policy.team,
        "name": policy.name,
        "description": policy.description,
        "repeat": policy.repeat,
        "in_use": in_use is not None and in_use.pk == policy.pk,
        "created_at": policy.created_at,
        "levels": snapshot["levels"],
    }


def _policy(policy_id: int) -> EscalationPolicy:
    policy = EscalationPolicy.objects.select_related("team").filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(f"no escalation policy {policy_id}")
    return policy


def _target(target: TargetIn, where: str) -> policies.TargetSpec:
    """A target of the request as the service takes it; an unknown person or schedule is a 422."""
    if target.kind == "user":
        if target.schedule is not None or target.user is None:
            raise ValidationFailed(
                "a user target names the person in 'user' (and no schedule)", field=f"{where}.user"
            )
        return policies.TargetSpec(
            "user", user=user_by_reference(target.user, field=f"{where}.user")
        )
    if target.kind == "schedule":
        if target.user is not None or target.schedule is None:
            raise ValidationFailed(
                "a schedule target names the schedule's id in 'schedule' (and no user)",
                field=f"{where}.schedule",
            )
        schedule = Schedule.objects.select_related("team").filter(pk=target.schedule).first()
        if schedule is None:
            raise ValidationFailed(f"no schedule {target.schedule}", field=f"{where}.schedule")
        return policies.TargetSpec("schedule", schedule=schedule)
    if target.user is not None or target.schedule is not None:
        raise ValidationFailed(
            "a team target pages every member of the policy's team: name no user or schedule",
            field=f"{where}.kind",
        )
    return policies.TargetSpec("team")


def _levels(levels: list[LevelIn]) -> list[policies.LevelSpec]:
    return [
        policies.LevelSpec(
            timedelta(minutes=level.delay_minutes),
            [
                _target(target, f"levels.{index}.targets.{position}")
                for position, target in enumerate(level.targets)
            ],
        )
        for index, level in enumerate(levels)
    ]


@router.get("/escalation-path", response={200: PathOut, **ERRORS})
def escalation_path(request, team: str, severity: str, at: datetime | None = None):
    """Who would be paged, level by level and when, for an incident declared at `at` (now)."""
    if at is not None and (at.tzinfo is None or at.utcoffset() is None):
        raise ValidationFailed("at needs a time zone, e.g. 2026-03-02T10:00:00Z", field="at")
    path = selectors.escalation_path(
        team_by_slug(team, field="team"), severity_by_key(severity), at or timezone.now()
    )
    return {
        "team": path.team,
        "severity": path.severity.key,
        "at": path.instant,
        "pages_oncall": path.pages,
        "policy": path.policy.name if path.policy else None,
        "repeat": path.repeat,
        "explanation": path.explanation,
        "levels": [
            {
                "position": level.position,
                "at": level.at,
                "delay_seconds": int(level.delay.total_seconds()),
                "people": [{"user": c.user, "reason": c.reason} for c in level.people],
                "skipped": level.skipped,
            }
            for level in path.levels
        ],
    }


@router.get("/escalation-policies", response={200: list[PolicyOut], **ERRORS})
def list_policies(request, team: str | None = None):
    """Every policy, or one team's, oldest first within a team; `in_use` marks the one that runs."""
    found = EscalationPolicy.objects.select_related("team").order_by(
        "team__name", "created_at", "id"
    )
    if team:
        found = found.filter(team=team_by_slug(team, field="team"))
    in_use: dict[int, EscalationPolicy | None] = {}
    answer = []
    for policy in found:
        if policy.team_id not in in_use:
            in_use[policy.team_id] = policies.policy_for(policy.team)
        answer.append(_policy_out(policy, in_use[policy.team_id]))
    return answer


@router.post("/escalation-policies", response={201: PolicyOut, **ERRORS})
def create_policy(request, payload: PolicyIn):
    """Admins and leads of the team; the team's oldest policy is the one incidents run."""
    team = team_by_slug(payload.team, field="team")
    policy = policies.create_policy(
        team=team,
        name=payload.name,
        description=payload.description,
        repeat=payload.repeat,
        levels=_levels(payload.levels),
        by=request.user,
    )
    return Status(201, _policy_out(policy, policies.policy_for(team)))


@router.get("/escalation-policies/{int:policy_id}", response={200: PolicyOut, **ERRORS})
def get_policy(request, policy_id: int):
    policy = _policy(policy_id)
    return _policy_out(policy, policies.policy_for(policy.team))


@router.put("/escalation-policies/{int:policy_id}", response={200: PolicyOut, **ERRORS})
def replace_policy(request, policy_id: int, payload: PolicyReplaceIn):
    """Admins and leads of the team. The body replaces the policy (left out: repeat 0, no
    description); escalations already running keep the version they started with."""
    policy = _policy(policy_id)
    if payload.team is not None and payload.team != policy.team.slug:
        raise ValidationFailed(
            f"the policy belongs to {policy.team.slug}; create a new one for another team",
            field="team",
        )
    policy = policies.update_policy(
        policy=policy,
        by=request.user,
        name=payload.name,
        description=payload.description,
        repeat=payload.repeat,
        levels=_levels(payload.levels),
    )
    return _policy_out(policy, policies.policy_for(policy.team))


@router.delete("/escalation-policies/{int:policy_id}", response={204: None, **ERRORS})
def delete_policy(request, policy_id: int):
    """Admins and leads of the team. Running escalations go on with their snapshot; the team's
    incidents then run its oldest remaining policy."""
    policies.delete_policy(policy=_policy(policy_id), by=request.user)
    return Status(204, None)
