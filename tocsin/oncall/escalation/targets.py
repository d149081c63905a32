"""Who a level of an escalation reaches: the policy frozen as a snapshot, its targets turned
into people at an instant, and each person's ways to be reached (notification rules)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tocsin.accounts.models import ContactKind, ContactMethod, Team, User

from ..schedules.models import Schedule
from ..schedules.selectors import on_call_at
from .models import EscalationPolicy, LevelTarget, NotificationRule, TargetKind


def snapshot_of(policy: EscalationPolicy) -> dict:
    """The policy as plain data, so later edits do not change an escalation in flight."""
    levels = policy.levels.prefetch_related("targets__user", "targets__schedule").order_by(
        "position"
    )
    return {
        "policy": {"id": policy.pk, "name": policy.name, "repeat": policy.repeat},
        "team": {"id": policy.team_id, "name": policy.team.name},
        "levels": [
            {
                "position": level.position,
                "delay_seconds": int(level.delay.total_seconds()),
                "targets": [_target_data(target, policy.team) for target in level.targets.all()],
            }
            for level in levels
        ],
    }


def _target_data(target: LevelTarget, team: Team) -> dict:
    if target.kind == TargetKind.USER:
        return {"kind": "user", "id": target.user_id, "name": str(target.user)}
    if target.kind == TargetKind.SCHEDULE:
        return {"kind": "schedule", "id": target.schedule_id, "name": target.schedule.name}
    return {"kind": "team", "id": team.pk, "name": team.name}


@dataclass
class Candidate:
    """A person a level pages, and why."""

    user: User
    reason: str
    schedule_id: int | None = None


def resolve_level(level: dict, instant: datetime) -> tuple[list[Candidate], list[str]]:
    """The people a snapshotted level pages at `instant`, and why targets gave nobody."""
    people: dict[int, Candidate] = {}
    empty: list[str] = []
    for target in level["targets"]:
        kind, name = target["kind"], target["name"]
        if kind == "user":
            user = User.objects.filter(pk=target["id"], is_active=True).first()
            found = [Candidate(user, "named in the policy")] if user else []
            if not found:
                empty.append(f"{name} no longer exists")
        elif kind == "schedule":
            schedule = Schedule.objects.filter(pk=target["id"]).first()
            users = on_call_at(schedule, instant) if schedule else []
            found = [Candidate(u, f"on call in '{name}'", target["id"]) for u in users]
            if not found:
                empty.append(f"nobody is on call in '{name}'")
        else:
            users = User.objects.filter(memberships__team_id=target["id"], is_active=True)
            found = [Candidate(u, f"member of {name}") for u in users.order_by("pk")]
            if not found:
                empty.append(f"{name} has no members")
        for candidate in found:
            people.setdefault(candidate.user.pk, candidate)
    return list(people.values()), empty


@dataclass
class Rule:
    """One way to reach a person, `delay` after the level pages them."""

    key: str
    contact_method: ContactMethod
    delay: timedelta
    rule: NotificationRule | None = None


def rules_of(user: User) -> list[Rule]:
    """The person's notification rules; without any, their first verified e-mail at once."""
    rules = [
        Rule(str(rule.pk), rule.contact_method, rule.delay, rule)
        for rule in NotificationRule.objects.filter(user=user)
        .select_related("contact_method")
        .order_by("position")
    ]
    if rules:
        return rules
    method = first_email(user)
    return [Rule(f"default-{method.pk}", method, timedelta(0))] if method else []


def first_email(user: User, *, exclude: Sequence[int] = ()) -> ContactMethod | None:
    methods = ContactMethod.objects.filter(user=user, kind=ContactKind.EMAIL).exclude(
        pk__in=exclude
    )
    return methods.order_by("-verified", "id").first()
