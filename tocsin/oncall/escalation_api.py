"""REST endpoints for escalation: who gets paged, and the policies that decide it."""

from datetime import datetime, timedelta
from typing import Literal

from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import StrictInt

from tocsin.accounts.api import team_by_slug, user_by_reference
from tocsin.errors import ValidationFailed
from tocsin.incidents.models import Severity
from tocsin.schemas import ERRORS, Input, TeamRef, UserOut, UserRef

from . import escalation, policies
from .escalation_models import EscalationPolicy
from .models import Schedule

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
    user: UserRef | None = None
    schedule: StrictInt | None = Field(None, description="A schedule id of the same team.")


class LevelIn(Input):
    delay_minutes: float = Field(5, ge=0, le=24 * 60)
    targets: list[TargetIn]


class PolicyIn(Input):
    team: str = Field(description="The team's slug.")
    name: str
    repeat: StrictInt = 0
    levels: list[LevelIn]


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
    repeat: int
    levels: list[LevelOut]


def _severity(key: str) -> Severity:
    severity = Severity.objects.filter(key__iexact=key).first()
    if severity is None:
        raise ValidationFailed(f"no severity {key!r}", field="severity")
    return severity


def _policy_out(policy: EscalationPolicy) -> dict:
    snapshot = escalation.snapshot_of(policy)
    return {
        "id": policy.pk,
        "team": policy.team,
        "name": policy.name,
        "repeat": policy.repeat,
        "levels": snapshot["levels"],
    }


@router.get("/escalation-path", response={200: PathOut, **ERRORS})
def escalation_path(request, team: str, severity: str, at: datetime | None = None):
    """Who would be paged, level by level and when, for an incident declared at `at` (now)."""
    if at is not None and (at.tzinfo is None or at.utcoffset() is None):
        raise ValidationFailed("at needs a time zone, e.g. 2026-03-02T10:00:00Z", field="at")
    path = escalation.escalation_path(
        team_by_slug(team, field="team"), _severity(severity), at or timezone.now()
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
    policies = EscalationPolicy.objects.select_related("team")
    if team:
        policies = policies.filter(team=team_by_slug(team, field="team"))
    return [_policy_out(policy) for policy in policies]


@router.post("/escalation-policies", response={201: PolicyOut, **ERRORS})
def create_policy(request, payload: PolicyIn):
    """Admins and leads of the team; the team's oldest policy is the one incidents run."""
    team = team_by_slug(payload.team, field="team")
    levels = []
    for level in payload.levels:
        targets = []
        for target in level.targets:
            spec = policies.TargetSpec(target.kind)
            if target.kind == "user":
                if target.user is None:
                    raise ValidationFailed("a user target names the user", field="levels")
                spec.user = user_by_reference(target.user, field="levels")
            elif target.kind == "schedule":
                spec.schedule = Schedule.objects.filter(pk=target.schedule or 0).first()
            targets.append(spec)
        levels.append(policies.LevelSpec(timedelta(minutes=level.delay_minutes), targets))
    policy = policies.create_policy(
        team=team, name=payload.name, repeat=payload.repeat, levels=levels, by=request.user
    )
    return Status(201, _policy_out(policy))
