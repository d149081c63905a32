"""Escalation: the engine that pages level by level, and the timers it keeps.

The engine keeps every deadline in the database (DESIGN.md §3). Declaring a paging incident
creates an `EscalationRun` due at once, holding a snapshot of the team's policy; the periodic
job `run_due_escalations` claims due runs and due `PageStep`s, and handles each in one
transaction that writes the outbox messages and the timeline together. Acknowledging,
resolving or cancelling stops the run in the transaction that made that change.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tocsin.incidents.models import Event, Incident, Status
from tocsin.incidents.services import retrigger

from .models import AcknowledgementTimer, EscalationRun, PageStep, RunState, StepState
from .paging import ENGINE, claim, engine_record, page_person, page_step, remark
from .services import policy_for
from .targets import fallback_explanation, fallback_snapshot, resolve_level, snapshot_of

logger = logging.getLogger("tocsin.oncall")

ACKNOWLEDGED_STATUSES = (Status.ACKNOWLEDGED, Status.IDENTIFIED, Status.MONITORING)


# ---------------------------------------------------------------------------------------------
# Starting and stopping


def start_escalation(incident: Incident, *, now: datetime | None = None) -> EscalationRun:
    """In the declaring (or reopening) transaction: a run due at once.

    Without a policy, the run pages the team's leads (else every member) and says so.
    """
    policy = policy_for(incident.team)
    now = now or timezone.now()
    stop_escalation(incident, reason="restarted", now=now, quiet=True)
    snapshot = snapshot_of(policy) if policy else fallback_snapshot(incident.team)
    run = EscalationRun.objects.create(
        incident=incident, policy=policy, snapshot=snapshot, next_at=now, started_at=now
    )
    if policy is None:
        remark(incident, fallback_explanation(incident.team, snapshot), run=run.pk, fallback=True)
    return run


def has_active_escalation(incident: Incident) -> bool:
    return EscalationRun.objects.filter(incident=incident, state=RunState.ACTIVE).exists()


def stop_escalation(
    incident: Incident, *, reason: str, now: datetime | None = None, quiet: bool = False
) -> int:
    """End the incident's active escalation; say so on the timeline unless `quiet`.

    Unless `quiet` (a restart, which pages again at once), the incident's pages still waiting
    in the outbox are dropped in this transaction, each with a timeline line saying why.
    """
    # Imported here: notify builds on incidents and accounts, and oncall only calls into it.
    from tocsin.notify.outbox.pages import drop_queued_pages, no_longer_needed

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
            engine_record(
                incident,
                Event.ESCALATION,
                message=f"Escalation stopped: {reason}",
                data={"escalation": "stopped", "run": run.pk},
            )
    if not quiet:
        drop_queued_pages(
            incident, reason=no_longer_needed(incident) or f"the escalation stopped: {reason}"
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
            page_step,
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
                    claim(Incident.objects.filter(pk=incident_id)).values_list("pk", flat=True)
                )
                row = claim(due.filter(pk=pk)).first() if incident_free else None
                if row is None:
                    # Someone is acting on this incident or step right now: next round.
                    busy.add(pk)
                    continue
                handle(row, instant)
            handled += 1
    return handled


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
                remark(
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
            remark(
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
            remark(
                incident,
                f"Level {level['position']} skipped: {'; '.join(empty) or 'nobody to page'}",
                run=run.pk,
                level=level["position"],
                repeat=run.repeat_index,
            )
            continue
        for candidate in people:
            page_person(run, incident, level, candidate, now)
        run.next_at = now + timedelta(seconds=level["delay_seconds"])
        run.save(update_fields=["level_index", "repeat_index", "next_at"])
        return
