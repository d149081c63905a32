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
class EscalationStatus:
    """What the incident page says about paging: the latest run, its next step, the timeout."""

    pages_oncall: bool
    run: EscalationRun | None
    next_level: int | None  # the level paged at run.next_at
    passes: int
    retrigger_at: datetime | None
    explanation: str
    failing: list = field(default_factory=list)  # pages being retried (notify's FailingPage)


def escalation_status(incident: Incident) -> EscalationStatus:
    run = EscalationRun.objects.filter(incident=incident).first()  # newest first
    timer = AcknowledgementTimer.objects.filter(incident=incident, due_at__isnull=False).first()
    passes = (run.snapshot["policy"]["repeat"] + 1) if run else 0
    next_level = None
    if run is not None and run.state == RunState.ACTIVE:
        levels = run.snapshot["levels"]
        next_level = levels[run.level_index]["position"] if run.level_index < len(levels) else None
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
        next_level,
        passes,
        timer.due_at if timer else None,
        explanation,
        failing_pages(incident),
    )
