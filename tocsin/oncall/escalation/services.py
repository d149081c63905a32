"""Escalation policies and personal notification rules: every write, checked.

The engine (`escalation.py`) never reads these tables while it escalates: it works from a
snapshot taken when the incident started, so editing or deleting a policy never changes an
escalation in flight.

A refusal names the field at fault in the shape of the API's request body: `levels.0.targets.1.user`
is the second target of the first level (counted from 0, like JSON), while the message counts
levels from 1 as people do ("level 1: …").
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction

from tocsin.accounts.models import ContactMethod, Team, User
from tocsin.accounts.permissions import (
    ensure_manages_team,
    ensure_may_change_notification_settings,
    is_member,
)
from tocsin.errors import Conflict, ValidationFailed

from ..schedules.models import Schedule
from .models import (
    EscalationLevel,
    EscalationPolicy,
    LevelTarget,
    NotificationRule,
    TargetKind,
)

MAX_LEVELS = 20
MAX_TARGETS = 20
MAX_REPEAT = 9
MAX_DELAY = timedelta(hours=24)
MAX_RULES = 20
MAX_NAME = 100
MAX_DESCRIPTION = 2000
# Ends the refusal "only an admin or a lead of Payments may change its escalation policies".
CHANGE_POLICIES = "change its escalation policies"


@dataclass
class TargetSpec:
    kind: str
    user: User | None = None
    schedule: Schedule | None = None


@dataclass
class LevelSpec:
    delay: timedelta
    targets: list[TargetSpec] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Escalation policies


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("give the policy a name, e.g. 'Payments default'", field="name")
    if len(name) > MAX_NAME:
        raise ValidationFailed(f"the name is longer than {MAX_NAME} characters", field="name")
    return name


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed(
            f"the description is longer than {MAX_DESCRIPTION:,} characters", field="description"
        )
    return description


def _clean_repeat(repeat) -> int:
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 0 <= repeat <= MAX_REPEAT:
        raise ValidationFailed(f"repeat is a number from 0 to {MAX_REPEAT}", field="repeat")
    return repeat


def _clean_target(team: Team, target: TargetSpec, number: int, where: str) -> TargetSpec:
    if target.kind == TargetKind.USER:
        if target.user is None:
            raise ValidationFailed(f"level {number}: say which person", field=f"{where}.user")
        if not target.user.is_active or not is_member(team, target.user):
            raise ValidationFailed(
                f"level {number}: {target.user} is not a member of {team.name}; only members "
                f"can acknowledge its incidents",
                field=f"{where}.user",
            )
        return TargetSpec(TargetKind.USER, user=target.user)
    if target.kind == TargetKind.SCHEDULE:
        schedule = target.schedule
        if schedule is None:
            raise ValidationFailed(f"level {number}: say which schedule", field=f"{where}.schedule")
        if schedule.team_id != team.pk:
            raise ValidationFailed(
                f"level {number}: the schedule '{schedule.name}' belongs to {schedule.team.name}, "
                f"not {team.name}",
                field=f"{where}.schedule",
            )
        return TargetSpec(TargetKind.SCHEDULE, schedule=schedule)
    if target.kind == TargetKind.TEAM:
        return TargetSpec(TargetKind.TEAM)
    raise ValidationFailed(
        f"level {number}: unknown target kind {target.kind!r}; use one of "
        f"{', '.join(TargetKind.values)}",
        field=f"{where}.kind",
    )


def _clean_levels(team: Team, levels: Sequence[LevelSpec]) -> list[LevelSpec]:
    levels = list(levels)
    if not levels:
        raise ValidationFailed(
            "a policy needs at least one level: whom to page first", field="levels"
        )
    if len(levels) > MAX_LEVELS:
        raise ValidationFailed(f"a policy has at most {MAX_LEVELS} levels", field="levels")
    clean = []
    for index, level in enumerate(levels):
        number, where = index + 1, f"levels.{index}"
        if not isinstance(level.delay, timedelta) or not (timedelta(0) <= level.delay <= MAX_DELAY):
            raise ValidationFailed(
                f"level {number}: the delay is between 0 minutes and 24 hours",
                field=f"{where}.delay",
            )
        if not level.targets:
            raise ValidationFailed(
                f"level {number}: say whom to page: a person, a schedule or the whole team",
                field=f"{where}.targets",
            )
        if len(level.targets) > MAX_TARGETS:
            raise ValidationFailed(
                f"level {number}: at most {MAX_TARGETS} targets", field=f"{where}.targets"
            )
        targets = [
            _clean_target(team, target, number, f"{where}.targets.{position}")
            for position, target in enumerate(level.targets)
        ]
        clean.append(LevelSpec(level.delay, targets))
    return clean


def _ensure_name_free(team: Team, name: str, *, other_than: EscalationPolicy | None = None):
    taken = EscalationPolicy.objects.filter(team=team, name__iexact=name)
    if other_than is not None:
        taken = taken.exclude(pk=other_than.pk)
    if taken.exists():
        raise Conflict(f"{team.name} already has a policy called {name!r}", field="name")


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
    ensure_manages_team(team, by, action=CHANGE_POLICIES)
    name = _clean_name(name)
    description = _clean_description(description)
    repeat = _clean_repeat(repeat)
    levels = _clean_levels(team, levels)
    try:
        with transaction.atomic():
            _ensure_name_free(team, name)
            policy = EscalationPolicy.objects.create(
                team=team, name=name, repeat=repeat, description=description
            )
            _write_levels(policy, levels)
    except IntegrityError:
        # Someone created one with this name at the same moment.
        raise Conflict(f"{team.name} already has a policy called {name!r}", field="name") from None
    return policy


def update_policy(
    *,
    policy: EscalationPolicy,
    by: User,
    name: str | None = None,
    levels: Sequence[LevelSpec] | None = None,
    repeat: int | None = None,
    description: str | None = None,
) -> EscalationPolicy:
    """Change a policy; escalations already running keep the snapshot they started with."""
    team = policy.team
    ensure_manages_team(team, by, action=CHANGE_POLICIES)
    # Everything is checked before anything is written: a refusal changes nothing.
    name = None if name is None else _clean_name(name)
    description = None if description is None else _clean_description(description)
    repeat = None if repeat is None else _clean_repeat(repeat)
    levels = None if levels is None else _clean_levels(team, levels)
    try:
        with transaction.atomic():
            policy = EscalationPolicy.objects.select_for_update().get(pk=policy.pk)
            if name is not None:
                _ensure_name_free(team, name, other_than=policy)
                policy.name = name
            if description is not None:
                policy.description = description
            if repeat is not None:
                policy.repeat = repeat
            policy.save()
            if levels is not None:
                _write_levels(policy, levels)
    except IntegrityError:
        raise Conflict(f"{team.name} already has a policy called {name!r}", field="name") from None
    return policy


def delete_policy(*, policy: EscalationPolicy, by: User) -> None:
    """Remove a policy. Running escalations keep their snapshot (their link becomes empty);
    the team's next incidents run its oldest remaining policy, or page its leads."""
    ensure_manages_team(policy.team, by, action=CHANGE_POLICIES)
    with transaction.atomic():
        EscalationPolicy.objects.filter(pk=policy.pk).delete()


def policy_for(team: Team) -> EscalationPolicy | None:
    """The policy the engine runs for `team`: its oldest one."""
    return EscalationPolicy.objects.filter(team=team).order_by("created_at", "id").first()


# ---------------------------------------------------------------------------------------------
# Personal notification rules


def notification_rules(*, user: User, by: User) -> list[NotificationRule]:
    """`user`'s rules in order, for themselves or an admin."""
    ensure_may_change_notification_settings(user, by)
    return list(
        NotificationRule.objects.filter(user=user)
        .select_related("contact_method")
        .order_by("position")
    )


def set_notification_rules(
    *,
    user: User,
    rules: Sequence[tuple[ContactMethod, timedelta]],
    by: User | None = None,
) -> list[NotificationRule]:
    """Replace `user`'s notification rules, in order: (contact method, delay after the page).

    `by` is who asks: the person themselves (the default) or an admin. No rules at all means
    the default: the person's first e-mail address, at once.
    """
    ensure_may_change_notification_settings(user, by or user)
    rules = list(rules)
    if len(rules) > MAX_RULES:
        raise ValidationFailed(f"at most {MAX_RULES} notification rules", field="rules")
    for index, (method, delay) in enumerate(rules):
        number, where = index + 1, f"rules.{index}"
        if method is None or method.user_id != user.pk:
            # Whose it is stays unsaid: contact methods are private.
            raise ValidationFailed(
                f"rule {number}: contact method {getattr(method, 'pk', None)} is not one of "
                f"{user}'s contact methods",
                field=f"{where}.contact_method",
            )
        if not isinstance(delay, timedelta) or not timedelta(0) <= delay <= MAX_DELAY:
            raise ValidationFailed(
                f"rule {number}: the delay is between 0 minutes and 24 hours",
                field=f"{where}.delay",
            )
    with transaction.atomic():
        NotificationRule.objects.filter(user=user).delete()
        return [
            NotificationRule.objects.create(
                user=user, position=position, contact_method=method, delay=delay
            )
            for position, (method, delay) in enumerate(rules, start=1)
        ]
