"""Paging as people see it: who would be paged, before anything happens, and where an
incident's escalation stands now."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tocsin.accounts.models import Team
from tocsin.incidents.models import Incident, Severity

from .models import AcknowledgementTimer, EscalationPolicy, EscalationRun, RunState
from .services import policy_for
from .targets import Candidate, resolve_level, snapshot_of

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


def escalation_path(team: Team, severity: Severity, instant: datetime) -> EscalationPath:
    """Who would be paged, level by level and when, for an incident declared at `instant`."""
    policy = policy_for(team) if severity.pages_oncall else None
    if not severity.pages_oncall:
        explanation = f"{severity} does not page on-call; " + (
            f"the team's e-mail list {team.email} is told" if team.email else "nobody is told"
        )
        return EscalationPath(team, severity, instant, False, None, 0, [], explanation)
    if policy is None:
        return EscalationPath(
            team, severity, instant, True, None, 0, [], f"{team.name} has no escalation policy"
        )
    snapshot = snapshot_of(policy)
    levels, at = [], instant
    for level in snapshot["levels"]:
        people, empty = resolve_level(level, at)
        delay = timedelta(seconds=level["delay_seconds"])
        levels.append(PathLevel(level["position"], at, delay, people, empty))
        if people:  # empty levels are skipped at once
            at = at + delay
    passes = policy.repeat + 1
    explanation = (
        f"{severity} pages on-call with '{policy.name}', "
        f"{passes} pass{'es' if passes > 1 else ''} through its levels until acknowledged"
    )
    return EscalationPath(team, severity, instant, True, policy, policy.repeat, levels, explanation)


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


def escalation_status(incident: Incident) -> EscalationStatus:
    run = EscalationRun.objects.filter(incident=incident).first()  # newest first
    timer = AcknowledgementTimer.objects.filter(incident=incident, due_at__isnull=False).first()
    passes = (run.snapshot["policy"]["repeat"] + 1) if run else 0
    next_step = ends_at = None
    if run is not None and run.state == RunState.ACTIVE and run.next_at is not None:
        next_step, ends_at = _what_is_to_come(run)
    if not incident.severity.pages_oncall:
        explanation = f"{incident.severity} does not page on-call; the team's e-mail list is told"
    elif run is None:
        explanation = f"{incident.team.name} has no escalation policy: nobody was paged"
    else:
        explanation = ""
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
    )
