"""Who a level of an escalation reaches: the policy frozen as a snapshot, its targets turned
into people at an instant, and each person's ways to be reached (notification rules)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tocsin.accounts.models import ContactKind, ContactMethod, MembershipRole, Team, User
from tocsin.accounts.permissions import is_read_only

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


# A team without an escalation policy still pages: its leads (else every member), one level
# repeated like a short policy, so a paging incident always reaches someone who can act.
FALLBACK_DELAY = timedelta(minutes=5)
FALLBACK_REPEAT = 2


def fallback_leads(team: Team) -> list[User]:
    """The team's leads who may acknowledge: active, and not read-only."""
    leads = User.objects.filter(
        memberships__team=team, memberships__role=MembershipRole.LEAD, is_active=True
    ).order_by("pk")
    return [lead for lead in leads if not is_read_only(lead)]


def fallback_snapshot(team: Team) -> dict:
    """For a team without a policy: a one-level snapshot paging its leads, else its members."""
    leads = fallback_leads(team)
    if leads:
        targets = [
            {"kind": "user", "id": lead.pk, "name": str(lead), "reason": f"lead of {team.name}"}
            for lead in leads
        ]
        name, fallback = f"the leads of {team.name}", "leads"
    else:
        targets = [{"kind": "team", "id": team.pk, "name": team.name}]
        name, fallback = f"every member of {team.name}", "members"
    return {
        "policy": {"id": None, "name": name, "repeat": FALLBACK_REPEAT},
        "team": {"id": team.pk, "name": team.name},
        "fallback": fallback,
        "levels": [
            {
                "position": 1,
                "delay_seconds": int(FALLBACK_DELAY.total_seconds()),
                "targets": targets,
            }
        ],
    }


def fallback_explanation(team: Team, snapshot: dict) -> str:
    """ "Payments has no escalation policy: paging its leads (Alice Novak) instead"."""
    if snapshot["fallback"] == "leads":
        names = ", ".join(target["name"] for target in snapshot["levels"][0]["targets"])
        return f"{team.name} has no escalation policy: paging its leads ({names}) instead"
    return f"{team.name} has no escalation policy and no leads: paging every member instead"


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
            reason = target.get("reason", "named in the policy")
            found = [Candidate(user, reason)] if user else []
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
