"""Escalation policies and personal notification rules: every write, checked.

The engine (`escalation.py`) never reads these tables while it escalates: it works from a
snapshot taken when the incident started.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction

from tocsin.accounts.models import ContactMethod, Team, User
from tocsin.accounts.services import is_member
from tocsin.errors import ValidationFailed

from .escalation_models import (
    EscalationLevel,
    EscalationPolicy,
    LevelTarget,
    NotificationRule,
    TargetKind,
)
from .models import Schedule
from .services import _clean_name, _ensure_manages

MAX_LEVELS = 20
MAX_TARGETS = 20
MAX_REPEAT = 9
MAX_DELAY = timedelta(hours=24)


@dataclass
class TargetSpec:
    kind: str
    user: User | None = None
    schedule: Schedule | None = None


@dataclass
class LevelSpec:
    delay: timedelta
    targets: list[TargetSpec] = field(default_factory=list)


def _clean_levels(team: Team, levels: Sequence[LevelSpec]) -> list[LevelSpec]:
    levels = list(levels)
    if not levels:
        raise ValidationFailed("a policy needs at least one level", field="levels")
    if len(levels) > MAX_LEVELS:
        raise ValidationFailed(f"a policy has at most {MAX_LEVELS} levels", field="levels")
    for number, level in enumerate(levels, start=1):
        if not isinstance(level.delay, timedelta) or not (timedelta(0) <= level.delay <= MAX_DELAY):
            raise ValidationFailed(
                f"level {number}: the delay is between 0 and 24 hours", field="levels"
            )
        if not level.targets:
            raise ValidationFailed(f"level {number}: say whom to page", field="levels")
        if len(level.targets) > MAX_TARGETS:
            raise ValidationFailed(f"level {number}: at most {MAX_TARGETS} targets", field="levels")
        for target in level.targets:
            if target.kind == TargetKind.USER:
                if target.user is None or not is_member(team, target.user):
                    raise ValidationFailed(
                        f"level {number}: {target.user} is not a member of {team.name}",
                        field="levels",
                    )
            elif target.kind == TargetKind.SCHEDULE:
                if target.schedule is None or target.schedule.team_id != team.pk:
                    raise ValidationFailed(
                        f"level {number}: the schedule is not one of {team.name}'s",
                        field="levels",
                    )
            elif target.kind != TargetKind.TEAM:
                raise ValidationFailed(
                    f"level {number}: unknown target kind {target.kind!r}; use one of "
                    f"{', '.join(TargetKind.values)}",
                    field="levels",
                )
    return levels


def _clean_repeat(repeat) -> int:
    if not isinstance(repeat, int) or not 0 <= repeat <= MAX_REPEAT:
        raise ValidationFailed(f"repeat is a number from 0 to {MAX_REPEAT}", field="repeat")
    return repeat


def _write_levels(policy: EscalationPolicy, levels: list[LevelSpec]) -> None:
    policy.levels.all().delete()
    for position, spec in enumerate(levels, start=1):
        level = EscalationLevel.objects.create(policy=policy, position=position, delay=spec.delay)
        LevelTarget.objects.bulk_create(
            LevelTarget(level=level, kind=t.kind, user=t.user, schedule=t.schedule)
            for t in spec.targets
        )


def create_policy(
    *,
    team: Team,
    name: str,
    levels: Sequence[LevelSpec],
    by: User,
    repeat: int = 0,
    description: str = "",
) -> EscalationPolicy:
    """A new escalation policy for `team`; the team's oldest policy is the one the engine runs."""
    _ensure_manages(team, by)
    name = _clean_name(name, "policy")
    levels = _clean_levels(team, levels)
    with transaction.atomic():
        if EscalationPolicy.objects.filter(team=team, name=name).exists():
            raise ValidationFailed(
                f"{team.name} already has a policy called {name!r}", field="name"
            )
        policy = EscalationPolicy.objects.create(
            team=team, name=name, repeat=_clean_repeat(repeat), description=description.strip()
        )
        _write_levels(policy, levels)
    return policy


def update_policy(
    *,
    policy: EscalationPolicy,
    by: User,
    name: str | None = None,
    levels: Sequence[LevelSpec] | None = None,
    repeat: int | None = None,
) -> EscalationPolicy:
    """Change a policy; escalations already running keep the snapshot they started with."""
    _ensure_manages(policy.team, by)
    with transaction.atomic():
        policy = EscalationPolicy.objects.select_for_update().get(pk=policy.pk)
        if name is not None:
            policy.name = _clean_name(name, "policy")
        if repeat is not None:
            policy.repeat = _clean_repeat(repeat)
        policy.save()
        if levels is not None:
            _write_levels(policy, _clean_levels(policy.team, levels))
    return policy


def policy_for(team: Team) -> EscalationPolicy | None:
    """The policy the engine runs for `team`: its oldest one."""
    return EscalationPolicy.objects.filter(team=team).order_by("created_at", "id").first()


def set_notification_rules(
    *, user: User, rules: Sequence[tuple[ContactMethod, timedelta]]
) -> list[NotificationRule]:
    """Replace `user`'s personal notification rules, in order: (contact method, delay)."""
    for method, delay in rules:
        if method.user_id != user.pk:
            raise ValidationFailed(f"{method} belongs to someone else", field="rules")
        if not timedelta(0) <= delay <= MAX_DELAY:
            raise ValidationFailed("a delay is between 0 and 24 hours", field="rules")
    with transaction.atomic():
        NotificationRule.objects.filter(user=user).delete()
        return [
            NotificationRule.objects.create(
                user=user, position=position, contact_method=method, delay=delay
            )
            for position, (method, delay) in enumerate(rules, start=1)
        ]
