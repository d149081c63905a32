"""Escalation: the engine that pages level by level, and the timers it keeps.

The engine keeps every deadline in the database (DESIGN.md §3). Declaring a paging incident
creates an `EscalationRun` due at once, holding a snapshot of the team's policy; the periodic
job `run_due_escalations` claims due runs and due `PageStep`s, and handles each in one
transaction that writes the outbox messages and the timeline together. Acknowledging,
resolving or cancelling stops the run in the transaction that made that change.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from tocsin.accounts.models import ContactKind, ContactMethod, Team, User
from tocsin.incidents.models import Channel, Event, Incident, Status
from tocsin.incidents.services import record, retrigger

from .escalation_models import (
    AcknowledgementTimer,
    EscalationPolicy,
    EscalationRun,
    LevelTarget,
    NotificationRule,
    PageStep,
    RunState,
    StepState,
    TargetKind,
)
from .models import Schedule
from .policies import policy_for
from .selectors import on_call_at

logger = logging.getLogger("tocsin.oncall")

ACKNOWLEDGED_STATUSES = (Status.ACKNOWLEDGED, Status.IDENTIFIED, Status.MONITORING)

ENGINE = "Escalation"


# ---------------------------------------------------------------------------------------------
# Snapshots and resolving targets to people


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
    method = _first_email(user)
    return [Rule(f"default-{method.pk}", method, timedelta(0))] if method else []


def _first_email(user: User, *, exclude: Sequence[int] = ()) -> ContactMethod | None:
    methods = ContactMethod.objects.filter(user=user, kind=ContactKind.EMAIL).exclude(
        pk__in=exclude
    )
    return methods.order_by("-verified", "id").first()


# ---------------------------------------------------------------------------------------------
# Starting and stopping


def start_escalation(incident: Incident, *, now: datetime | None = None) -> EscalationRun | None:
    """In the declaring (or reopening) transaction: a run due at once; None without a policy."""
    policy = policy_for(incident.team)
    if policy is None:
        # Nothing on the timeline: the who-gets-paged page explains it before anything happens.
        return None
    now = now or timezone.now()
    stop_escalation(incident, reason="restarted", now=now, quiet=True)
    return EscalationRun.objects.create(
        incident=incident, policy=policy, snapshot=snapshot_of(policy), next_at=now, started_at=now
    )


def has_active_escalation(incident: Incident) -> bool:
    return EscalationRun.objects.filter(incident=incident, state=RunState.ACTIVE).exists()


def stop_escalation(
    incident: Incident, *, reason: str, now: datetime | None = None, quiet: bool = False
) -> int:
    """End the incident's active escalation; say so on the timeline unless `quiet`."""
    now = now or timezone.now()
    runs = list(EscalationRun.objects.filter(incident=incident, state=RunState.ACTIVE))
    for run in runs:
        run.state, run.next_at, run.ended_at, run.end_reason = (
            RunState.STOPPED,
            None,
            now,
            reason[:255],
        )
        run.save(update_fields=["state", "next_at", "ended_at", "end_reason"])
        PageStep.objects.filter(run=run, state=StepState.PENDING).update(state=StepState.CANCELLED)
        if not quiet:
            _record(
                incident,
                Event.ESCALATION,
                message=f"Escalation stopped: {reason}",
                data={"escalation": "stopped", "run": run.pk},
            )
    return len(runs)


def arm_acknowledgement_timer(incident: Incident, *, since: datetime) -> None:
    """In the acknowledging transaction: re-trigger at `since` + the severity's ack_timeout."""
    timeout = incident.severity.ack_timeout
    if not timeout or incident.status not in ACKNOWLEDGED_STATUSES:
        disarm_acknowledgement_timer(incident)
        return
    AcknowledgementTimer.objects.update_or_create(
        incident=incident, defaults={"due_at": since + timeout, "armed_at": since}
    )


def disarm_acknowledgement_timer(incident: Incident) -> None:
    AcknowledgementTimer.objects.filter(incident=incident, due_at__isnull=False).update(due_at=None)


def _acknowledgement_timed_out(timer: AcknowledgementTimer, now: datetime) -> None:
    incident = Incident.objects.select_related("severity", "acknowledged_by").get(
        pk=timer.incident_id
    )
    timer.due_at = None
    timer.save(update_fields=["due_at"])
    if incident.status not in ACKNOWLEDGED_STATUSES:
        return
    owner = f" by {incident.acknowledged_by}" if incident.acknowledged_by else ""
    waited = _duration(now - timer.armed_at)
    # Its reactions start the escalation again in this transaction (status back to triggered).
    retrigger(
        incident=incident,
        system=ENGINE,
        reason=f"acknowledged{owner} {waited} ago and not resolved "
        f"({incident.severity.key} re-triggers after {_duration(incident.severity.ack_timeout)})",
    )


def _duration(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if minutes else f"{hours} h"


# ---------------------------------------------------------------------------------------------
# The engine


def _claim(queryset):
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    # SQLite has no row locks: its IMMEDIATE transactions serialise the workers instead.
    return queryset


def _engine_steps() -> list[tuple]:
    """What the engine handles, in order: (due rows at an instant, their incident, handler)."""
    return [
        # Timed-out acknowledgements first: triggering again starts a run that is due at once.
        (
            lambda at: AcknowledgementTimer.objects.filter(due_at__lte=at).order_by("due_at", "id"),
            "incident_id",
            _acknowledgement_timed_out,
        ),
        (
            lambda at: EscalationRun.objects.filter(
                state=RunState.ACTIVE, next_at__lte=at
            ).order_by("next_at", "id"),
            "incident_id",
            _advance,
        ),
        (
            lambda at: PageStep.objects.filter(state=StepState.PENDING, next_at__lte=at).order_by(
                "next_at", "id"
            ),
            "run__incident_id",
            _page_step,
        ),
    ]


def run_due_escalations(*, now: datetime | None = None, limit: int = 100) -> int:
    """The worker's periodic job: every due timer, level and delayed rule, one transaction each.

    Each step locks its incident before its own row, the order in which acknowledging (which
    locks the incident, then stops the run) takes them: the other order deadlocks.
    """
    handled = 0
    for due_at, incident_field, handle in _engine_steps():
        busy: set[int] = set()
        while handled < limit:
            instant = now or timezone.now()
            if not due_at(instant).exclude(pk__in=busy).exists():
                break  # a plain read: an idle worker takes no lock (SQLite's is the database's)
            with transaction.atomic():
                due = due_at(instant).exclude(pk__in=busy)
                candidate = due.values_list("pk", incident_field).first()
                if candidate is None:
                    break
                pk, incident_id = candidate
                incident_free = list(
                    _claim(Incident.objects.filter(pk=incident_id)).values_list("pk", flat=True)
                )
                row = _claim(due.filter(pk=pk)).first() if incident_free else None
                if row is None:
                    # Someone is acting on this incident or step right now: next round.
                    busy.add(pk)
                    continue
                handle(row, instant)
            handled += 1
    return handled


def _record(incident: Incident, kind: str, *, message: str, data: dict):
    """A timeline entry written by the engine itself."""
    return record(
        incident, kind, actor=None, via=Channel.SYSTEM, system=ENGINE, message=message, data=data
    )


def _remark(incident: Incident, message: str, **data) -> None:
    """The engine's own words on the timeline ("level 2 reached nobody"), not a person's note."""
    _record(incident, Event.ESCALATION, message=message, data={"escalation": True, **data})


def _finish(run: EscalationRun, state: str, reason: str, now: datetime) -> None:
    run.state, run.next_at, run.ended_at, run.end_reason = state, None, now, reason[:255]
    run.save(update_fields=["state", "next_at", "ended_at", "end_reason"])


def _advance(run: EscalationRun, now: datetime) -> None:
    """Page the level that is due, then set the timer for the next one (or end the run)."""
    incident = Incident.objects.select_related("team", "severity").get(pk=run.incident_id)
    if incident.status != Status.TRIGGERED:
        # A stop that did not reach this run (it should have); nobody is paged for it.
        _finish(run, RunState.STOPPED, f"the incident is {incident.get_status_display()}", now)
        return
    levels = run.snapshot["levels"]
    policy = run.snapshot["policy"]
    skipped_in_a_row = 0
    while True:
        if run.level_index >= len(levels):
            if run.repeat_index >= policy["repeat"]:
                passes = run.repeat_index + 1
                _finish(run, RunState.EXHAUSTED, "nobody acknowledged", now)
                _remark(
                    incident,
                    f"Escalation ended: nobody acknowledged after {passes} "
                    f"pass{'es' if passes > 1 else ''} through '{policy['name']}'",
                    run=run.pk,
                )
                return
            run.repeat_index += 1
            run.level_index = 0
        if skipped_in_a_row >= len(levels):
            _finish(run, RunState.EXHAUSTED, "no level has anybody to page", now)
            _remark(
                incident,
                f"Escalation ended: no level of '{policy['name']}' has anybody to page",
                run=run.pk,
            )
            return
        level = levels[run.level_index]
        people, empty = resolve_level(level, now)
        run.level_index += 1
        if not people:
            skipped_in_a_row += 1
            _remark(
                incident,
                f"Level {level['position']} skipped: {'; '.join(empty) or 'nobody to page'}",
                run=run.pk,
                level=level["position"],
                repeat=run.repeat_index,
            )
            continue
        for candidate in people:
            _page_person(run, incident, level, candidate, now)
        run.next_at = now + timedelta(seconds=level["delay_seconds"])
        run.save(update_fields=["level_index", "repeat_index", "next_at"])
        return


def _why(run: EscalationRun, level_position: int, reason: str) -> str:
    repeat = f", pass {run.repeat_index + 1}" if run.repeat_index else ""
    return f"level {level_position}{repeat}: {reason}"


def _page_person(
    run: EscalationRun, incident: Incident, level: dict, candidate: Candidate, now: datetime
):
    rules = rules_of(candidate.user)
    why = _why(run, level["position"], candidate.reason)
    if not rules:
        _record(
            incident,
            Event.PAGE_FAILED,
            message=f"Could not page {candidate.user} ({why}): no contact method",
            data={"run": run.pk, "user": candidate.user.pk, "level": level["position"]},
        )
        return
    reached = unusable = False
    for rule in rules:
        key = (
            f"page:{incident.pk}:{run.pk}:{run.repeat_index}:{level['position']}"
            f":{candidate.user.pk}:{rule.key}"
        )
        if rule.delay > timedelta(0):
            PageStep.objects.get_or_create(
                idempotency_key=key,
                defaults={
                    "run": run,
                    "user": candidate.user,
                    "rule": rule.rule,
                    "contact_method": rule.contact_method,
                    "level_index": level["position"],
                    "repeat_index": run.repeat_index,
                    "reason": why[:255],
                    "next_at": now + rule.delay,
                },
            )
        else:
            sent = send_page(
                incident,
                candidate.user,
                rule.contact_method,
                why=why,
                key=key,
                data={"run": run.pk, "level": level["position"], "repeat": run.repeat_index},
            )
            reached = reached or sent is not None
            unusable = unusable or sent is None
    if unusable and not reached:
        # Nothing went out at once: the next way to reach this person is due now.
        fail_over(incident, candidate.user, why=why)


def send_page(
    incident: Incident, user: User, method: ContactMethod, *, why: str, key: str, data: dict
):
    """Enqueue one page and write it on the timeline (requested now; the outbox sends it).

    Returns the outbox message, or None when this contact method cannot be used here (the
    timeline says why; the caller moves on to the person's next one)."""
    # Imported here: notify builds on incidents and accounts, and oncall only calls into it.
    from tocsin.notify import channels
    from tocsin.notify.chat_cards.services import CHAT_CONTACT_KINDS, enqueue_chat_page
    from tocsin.notify.emails.services import enqueue_page_email

    kind = method.get_kind_display()
    problem = ""
    if method.kind != ContactKind.EMAIL and method.kind not in CHAT_CONTACT_KINDS:
        problem = "Tocsin cannot send to that kind of contact method yet"
    elif method.kind not in channels.available():
        problem = f"{kind} is not set up on this Tocsin"
    if problem:
        _record(
            incident,
            Event.PAGE_FAILED,
            message=f"Could not page {user} via {kind} ({why}): {problem}",
            data={**data, "user": user.pk, "contact_method": method.pk},
        )
        return None
    if method.kind == ContactKind.EMAIL:
        message = enqueue_page_email(incident, user, method, reason=why, idempotency_key=key)
        kind = "e-mail"
    else:
        message = enqueue_chat_page(incident, user, method, reason=why, idempotency_key=key)
    _record(
        incident,
        Event.PAGE_SENT,
        message=f"Paged {user} via {kind} ({why})",
        data={
            **data,
            "user": user.pk,
            "contact_method": method.pk,
            "outbox_message": message.pk,
            "reason": why,
        },
    )
    return message


def _page_step(step: PageStep, now: datetime) -> None:
    run = EscalationRun.objects.select_related("incident").get(pk=step.run_id)
    step.state = StepState.CANCELLED if run.state != RunState.ACTIVE else StepState.DONE
    step.save(update_fields=["state"])
    if step.state == StepState.DONE:
        sent = send_page(
            run.incident,
            step.user,
            step.contact_method,
            why=step.reason,
            key=step.idempotency_key,
            data={"run": run.pk, "level": step.level_index, "repeat": step.repeat_index},
        )
        if sent is None:
            fail_over(run.incident, step.user, why=step.reason)


def next_contact_method(message) -> None:
    """A page failed for good: reach the same person on their next contact method at once."""
    if message.incident is None or message.recipient is None:
        return
    why = message.data.get("reason") or "the previous contact method failed"
    fail_over(message.incident, message.recipient, why=why, source=message.pk)


def fail_over(incident: Incident, user: User, *, why: str, source: int | None = None) -> None:
    """The person's next pending rule is due now; without one, their next e-mail address."""
    run = EscalationRun.objects.filter(incident=incident, state=RunState.ACTIVE).first()
    if run is None:
        return
    step = (
        _claim(PageStep.objects.filter(run=run, user=user, state=StepState.PENDING))
        .order_by("next_at", "id")
        .first()
    )
    if step is not None:
        # The next rule is due now instead of later; the job pages it within a second.
        step.next_at = timezone.now()
        step.save(update_fields=["next_at"])
        return
    tried = [
        pk
        for pk in incident.outbox_messages.filter(recipient=user, purpose="page").values_list(
            "data__contact_method", flat=True
        )
        if pk
    ]
    method = _first_email(user, exclude=tried)
    if method is None:
        return
    send_page(
        incident,
        user,
        method,
        why=why,
        key=f"page:{incident.pk}:{run.pk}:failover:{user.pk}:{method.pk}",
        data={"run": run.pk, "failover_from": source},
    )
