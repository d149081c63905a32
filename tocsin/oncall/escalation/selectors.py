"""Paging as people see it: who would be paged, before anything happens, and where an
incident's escalation stands now."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from tocsin.accounts.models import Team
from tocsin.incidents.models import Incident, Severity

from .models import AcknowledgementTimer, EscalationPolicy, EscalationRun, RunState
from .services import policy_for
from .targets import (
    Candidate,
    fallback_explanation,
    fallback_snapshot,
    resolve_level,
    snapshot_of,
)

# ---------------------------------------------------------------------------------------------
# Who gets paged


@dataclass
class PathLevel:
    position: int
    at: datetime
    delay: timedelta
    people: list[Candidate]
    skipped: list[str]


@dataclass
class EscalationPath:
    team: Team
    severity: Severity
    instant: datetime
    pages: bool
    policy: EscalationPolicy | None
    repeat: int
    levels: list[PathLevel]
    explanation: str


def _list_told(team: Team) -> str:
    return f"the team's e-mail list {team.email} is told" if team.email else "nobody is told"


def escalation_path(team: Team, severity: Severity, instant: datetime) -> EscalationPath:
    """Who would be paged, level by level and when, for an incident declared at `instant`."""
    if not severity.pages_oncall:
        explanation = f"{severity} does not page on-call; {_list_told(team)}"
        return EscalationPath(team, severity, instant, False, None, 0, [], explanation)
    policy = policy_for(team)
    snapshot = snapshot_of(policy) if policy else fallback_snapshot(team)
    levels, at = [], instant
    for level in snapshot["levels"]:
        people, empty = resolve_level(level, at)
        delay = timedelta(seconds=level["delay_seconds"])
        levels.append(PathLevel(level["position"], at, delay, people, empty))
        if people:  # empty levels are skipped at once
            at = at + delay
    repeat = snapshot["policy"]["repeat"]
    passes = f"{repeat + 1} pass{'es' if repeat else ''}"
    if policy is None:
        explanation = (
            f"{fallback_explanation(team, snapshot)}, {passes} until acknowledged; "
            f"{_list_told(team) if team.email else 'it has no e-mail list to tell'}"
        )
    else:
        explanation = (
            f"{severity} pages on-call with '{policy.name}', "
            f"{passes} through its levels until acknowledged"
        )
    return EscalationPath(team, severity, instant, True, policy, repeat, levels, explanation)


def nobody_on_call(team: Team, instant: datetime) -> str | None:
    """The red warning for a team whose paging incidents would reach nobody at `instant`: every
    level of its policy (or of the fallback to its leads and members) is empty. None if anybody
    would be paged."""
    policy = policy_for(team)
    snapshot = snapshot_of(policy) if policy else fallback_snapshot(team)
    reasons: list[str] = []
    for level in snapshot["levels"]:
        people, empty = resolve_level(level, instant)
        if people:
            return None
        reasons.extend(empty)
    if not snapshot["levels"]:
        reasons.append(f"'{policy.name}' has no levels")
    return f"Nobody is on call for {team.name}: {'; '.join(dict.fromkeys(reasons))}"


def nobody_on_call_for(teams, instant: datetime) -> list[str]:
    """The warnings of `teams`, in their order."""
    return [warning for team in teams if (warning := nobody_on_call(team, instant))]


# ---------------------------------------------------------------------------------------------
# Where an incident's escalation stands


@dataclass
class NextStep:
    """A level the run will page if nobody acknowledges first."""

    at: datetime
    level: int
    pass_number: int


@dataclass
class EscalationStatus:
    """What the incident page says about paging: the latest run, its next step, the timeout."""

    pages_oncall: bool
    run: EscalationRun | None
    next_step: NextStep | None  # what run.next_at brings; None: the end
    ends_at: datetime | None  # when the run ends if nobody acknowledges
    passes: int
    retrigger_at: datetime | None
    explanation: str
    failing: list = field(default_factory=list)  # pages being retried (notify's FailingPage)
    fallback: str = ""  # the team has no policy: whom the run pages instead
    warning: str = ""  # an open paging incident whose team has nobody on call now


def _what_is_to_come(run: EscalationRun) -> tuple[NextStep | None, datetime]:
    """The step due at run.next_at and the end, walking the snapshot as the engine will: after
    the last level, the first again while passes remain, then the end (a run that is late
    starts its next wait when it pages, so these are the earliest times)."""
    levels, repeat = run.snapshot["levels"], run.snapshot["policy"]["repeat"]
    at, level, passes_done = run.next_at, run.level_index, run.repeat_index
    first = None
    while True:
        if level >= len(levels):
            if passes_done >= repeat:
                return first, at
            passes_done, level = passes_done + 1, 0
        first = first or NextStep(at, levels[level]["position"], passes_done + 1)
        at += timedelta(seconds=levels[level]["delay_seconds"])
        level += 1


def escalation_status(incident: Incident, *, now: datetime | None = None) -> EscalationStatus:
    run = EscalationRun.objects.filter(incident=incident).first()  # newest first
    timer = AcknowledgementTimer.objects.filter(incident=incident, due_at__isnull=False).first()
    passes = (run.snapshot["policy"]["repeat"] + 1) if run else 0
    next_step = ends_at = None
    if run is not None and run.state == RunState.ACTIVE and run.next_at is not None:
        next_step, ends_at = _what_is_to_come(run)
    if not incident.severity.pages_oncall:
        explanation = f"{incident.severity} does not page on-call; the team's e-mail list is told"
    elif run is None:
        explanation = "Nobody was paged for this incident"
    else:
        explanation = ""
    fallback = ""
    if run is not None and run.snapshot.get("fallback"):
        fallback = fallback_explanation(incident.team, run.snapshot)
    warning = ""
    if incident.severity.pages_oncall and incident.is_open:
        warning = nobody_on_call(incident.team, now or timezone.now()) or ""
    # Imported here: notify builds on incidents and accounts, and oncall only calls into it.
    from tocsin.notify.outbox.pages import failing_pages

    return EscalationStatus(
        incident.severity.pages_oncall,
        run,
        next_step,
        ends_at,
        passes,
        timer.due_at if timer else None,
        explanation,
        failing_pages(incident),
        fallback,
        warning,
    )
