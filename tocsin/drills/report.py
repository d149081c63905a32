"""A drill's report: per participant, when they were paged, acknowledged and resolved, and the
runbook steps they ticked; and how long acknowledging and resolving took compared with the
team's earlier drills. Reads only."""

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tocsin.accounts.models import User
from tocsin.incidents.models import Event, Incident
from tocsin.runbooks.models import StepTick

from .models import DrillRun, RunStatus

EARLIER_RUNS = 10  # the comparison looks back this many finished drills of the team


@dataclass
class StepDone:
    step: int
    text: str
    at: datetime


@dataclass
class Participant:
    user_id: int | None
    name: str
    paged_at: datetime | None = None  # the first page asked for this person
    pages: int = 0
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    steps: list[StepDone] = field(default_factory=list)

    @property
    def first_seen(self) -> datetime:
        times = [self.paged_at, self.acknowledged_at, self.resolved_at]
        times += [step.at for step in self.steps]
        return min(t for t in times if t is not None)


@dataclass
class EarlierRun:
    run: DrillRun
    time_to_acknowledge: timedelta | None
    time_to_resolve: timedelta | None


@dataclass
class Report:
    run: DrillRun
    incident: Incident | None
    participants: list[Participant]
    time_to_acknowledge: timedelta | None
    time_to_resolve: timedelta | None
    earlier: list[EarlierRun]
    median_time_to_acknowledge: timedelta | None  # of the earlier runs
    median_time_to_resolve: timedelta | None

    @property
    def acknowledge_difference(self) -> timedelta | None:
        """This run's time to acknowledge minus the earlier runs' median (negative: faster)."""
        return _difference(self.time_to_acknowledge, self.median_time_to_acknowledge)

    @property
    def resolve_difference(self) -> timedelta | None:
        return _difference(self.time_to_resolve, self.median_time_to_resolve)


def _difference(this: timedelta | None, median: timedelta | None) -> timedelta | None:
    return None if this is None or median is None else this - median


def _median(values: list[timedelta | None]) -> timedelta | None:
    known = [value.total_seconds() for value in values if value is not None]
    return timedelta(seconds=statistics.median(known)) if known else None


def participants_of(incident: Incident) -> list[Participant]:
    """Everyone paged for the incident, who acknowledged or resolved it, or ticked a step."""
    people: dict[int | None, Participant] = {}

    def one(user_id: int | None, name: str) -> Participant:
        if user_id not in people:
            people[user_id] = Participant(user_id=user_id, name=name)
        return people[user_id]

    events = incident.timeline.filter(
        kind__in=[Event.PAGE_SENT, Event.ACKNOWLEDGED]
    ).select_related("actor")
    for event in events.order_by("at", "id"):
        if event.kind == Event.PAGE_SENT:
            user_id = event.data.get("user")
            if user_id is None:
                continue
            person = one(user_id, "")
            person.pages += 1
            person.paged_at = person.paged_at or event.at
        elif event.actor_id is not None:
            person = one(event.actor_id, str(event.actor))
            person.acknowledged_at = person.acknowledged_at or event.at
    if incident.resolved_by_id is not None and incident.resolved_at is not None:
        one(incident.resolved_by_id, str(incident.resolved_by)).resolved_at = incident.resolved_at
    for tick in StepTick.objects.filter(incident=incident).order_by("at", "step"):
        one(tick.by_id, tick.by_name).steps.append(
            StepDone(step=tick.step, text=tick.text, at=tick.at)
        )
    for user in User.objects.filter(pk__in=[pk for pk in people if pk is not None]):
        people[user.pk].name = str(user)
    return sorted(people.values(), key=lambda p: (p.first_seen, p.name))


def earlier_runs(run: DrillRun) -> list[EarlierRun]:
    """The team's finished drills that started before `run`, newest first."""
    if run.started_at is None:
        return []
    earlier = (
        DrillRun.objects.filter(
            team=run.team_id, status=RunStatus.FINISHED, started_at__lt=run.started_at
        )
        .exclude(pk=run.pk)
        .select_related("incident")
        .order_by("-started_at", "-id")[:EARLIER_RUNS]
    )
    return [
        EarlierRun(
            run=other,
            time_to_acknowledge=other.incident.time_to_acknowledge,
            time_to_resolve=other.incident.time_to_resolve,
        )
        for other in earlier
    ]


def report_of(run: DrillRun) -> Report:
    incident = run.incident
    earlier = earlier_runs(run)
    return Report(
        run=run,
        incident=incident,
        participants=participants_of(incident) if incident is not None else [],
        time_to_acknowledge=incident.time_to_acknowledge if incident is not None else None,
        time_to_resolve=incident.time_to_resolve if incident is not None else None,
        earlier=earlier,
        median_time_to_acknowledge=_median([e.time_to_acknowledge for e in earlier]),
        median_time_to_resolve=_median([e.time_to_resolve for e in earlier]),
    )
