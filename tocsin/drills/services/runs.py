"""Drills: started now, scheduled and started by the worker when due (once, however many
workers run), cancelled; and ended with their incident (`follow_incident`, for the reaction).

A drill's incident is opened by the real intake: the scenario's payload goes through its
integration's own parser and `ingest()`, marked as a test (so the incident is a drill), with
the scenario's severity and service and a grouping key of the run's own. The incident's
timeline says who started the drill and from which scenario (`Event.DRILL`).
"""

import logging
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tocsin.accounts.models import User
from tocsin.accounts.permissions import ensure_manages_drills
from tocsin.alerting.ingest import ingest
from tocsin.alerting.sources import DrillRoute, ParsedAlert
from tocsin.errors import Conflict, DomainError, ValidationFailed
from tocsin.incidents import services as incidents
from tocsin.incidents.models import Channel, Event, Incident

from ..models import DrillRun, RunStatus, Scenario
from .scenarios import parse_payload

logger = logging.getLogger(__name__)

SYSTEM = "Drills"


def _alerts_for(scenario: Scenario, run: DrillRun) -> list[ParsedAlert]:
    """The scenario's alerts as this run sends them: a test, with the scenario's severity and
    service, fingerprints and grouping key of the run's own, first seen now."""
    alerts = parse_payload(scenario.integration, scenario.payload)
    route = DrillRoute(run=run.pk, severity=scenario.severity.key, service=scenario.service_id)
    for alert in alerts:
        alert.fingerprint = f"drill-{run.pk}:{alert.fingerprint}"
        alert.test, alert.drill = True, route
        alert.starts_at = alert.ends_at = None
    return alerts


def _open(scenario: Scenario, run: DrillRun, now: datetime) -> Incident:
    """Send the run's alerts through the intake; the drill incident they opened."""
    integration = scenario.integration
    if not integration.enabled:
        raise Conflict(f"{integration.name} is disabled: enable it to run the drill")
    outcomes = ingest(integration=integration, alerts=_alerts_for(scenario, run), received_at=now)
    incident = next((o.incident for o in outcomes if o.incident is not None), None)
    if incident is None:
        decisions = "; ".join(d for o in outcomes for d in o.decisions)
        raise Conflict(f"the drill's alert opened no incident: {decisions}")
    return incident


def _refuse_a_second_run(scenario: Scenario) -> None:
    running = (
        DrillRun.objects.filter(scenario=scenario, status=RunStatus.RUNNING)
        .select_related("incident")
        .first()
    )
    if running is not None:
        raise Conflict(
            f"a drill of {scenario.title} is already running ({running.incident.reference}): "
            "resolve or cancel it first"
        )


def _begin(run: DrillRun, scenario: Scenario, now: datetime) -> Incident:
    incident = _open(scenario, run, now)
    run.status, run.started_at, run.incident = RunStatus.RUNNING, now, incident
    try:
        with transaction.atomic():
            run.save(update_fields=["status", "started_at", "incident"])
    except IntegrityError:
        raise Conflict(f"a drill of {scenario.title} is already running") from None
    return incident


def start_drill(*, scenario: Scenario, by: User, via: str = Channel.WEB) -> DrillRun:
    """Start a drill of `scenario` now: its incident is open and paging when this returns."""
    ensure_manages_drills(scenario.team, by, action="start a drill")
    now = timezone.now()
    with transaction.atomic():
        scenario = Scenario.objects.select_for_update().select_related("team").get(pk=scenario.pk)
        _refuse_a_second_run(scenario)
        run = DrillRun.objects.create(
            team=scenario.team,
            scenario=scenario,
            scenario_title=scenario.title,
            status=RunStatus.SCHEDULED,
            scheduled_for=now,
            started_by=by,
        )
        incident = _begin(run, scenario, now)
        incidents.record(
            incident,
            Event.DRILL,
            actor=by,
            via=via,
            message=f"Drill started by {by} from scenario {scenario.title}",
            data={"drill_run": run.pk, "scenario": scenario.pk},
        )
    return run


def schedule_drill(*, scenario: Scenario, by: User, at: datetime) -> DrillRun:
    """A drill of `scenario` that the worker starts at `at` (in the future)."""
    ensure_manages_drills(scenario.team, by, action="schedule a drill")
    if not isinstance(at, datetime) or timezone.is_naive(at):
        raise ValidationFailed(
            "scheduled_for needs a date, a time and a time zone", field="scheduled_for"
        )
    if at <= timezone.now():
        raise ValidationFailed(
            "scheduled_for is in the past: start the drill now instead", field="scheduled_for"
        )
    parse_payload(scenario.integration, scenario.payload)
    with transaction.atomic():
        return DrillRun.objects.create(
            team=scenario.team,
            scenario=scenario,
            scenario_title=scenario.title,
            status=RunStatus.SCHEDULED,
            scheduled_for=at,
            started_by=by,
        )


def _claim(queryset):
    """Rows of `queryset` locked for this worker; rows another worker holds are skipped."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    # SQLite has no row locks: its IMMEDIATE transactions serialise the workers instead.
    return queryset


def start_due_drills(now: datetime | None = None) -> int:
    """Start every scheduled drill that is due, each once however many workers run this; the
    number started. One that cannot start (its integration disabled, its alert suppressed) is
    cancelled, saying why."""
    now = now or timezone.now()
    started = 0
    due = DrillRun.objects.filter(status=RunStatus.SCHEDULED, scheduled_for__lte=now)
    for pk in list(due.order_by("scheduled_for", "id").values_list("pk", flat=True)):
        with transaction.atomic():
            run = _claim(DrillRun.objects.filter(pk=pk, status=RunStatus.SCHEDULED)).first()
            if run is None:
                continue  # another worker has it, or it was cancelled meanwhile
            try:
                with transaction.atomic():
                    _start_scheduled(run, now)
            except DomainError as error:
                logger.warning("Drill #%s did not start: %s", run.pk, error.message)
                run.status, run.cancelled_at = RunStatus.CANCELLED, now
                run.cancel_reason = f"Could not start: {error.message}"[:500]
                run.save(update_fields=["status", "cancelled_at", "cancel_reason"])
            else:
                started += 1
    return started


def _start_scheduled(run: DrillRun, now: datetime) -> None:
    scenario = (
        Scenario.objects.select_for_update().filter(pk=run.scenario_id).first()
        if run.scenario_id
        else None
    )
    if scenario is None:
        raise Conflict("its scenario was deleted")
    _refuse_a_second_run(scenario)
    incident = _begin(run, scenario, now)
    who = f", scheduled by {run.started_by}" if run.started_by else ""
    incidents.record(
        incident,
        Event.DRILL,
        actor=None,
        via=Channel.SYSTEM,
        system=SYSTEM,
        message=f"Drill started from scenario {scenario.title}{who}",
        data={"drill_run": run.pk, "scenario": scenario.pk, "scheduled_for": str(now)},
    )


# --- Cancelling, finishing -------------------------------------------------------------------


def cancel_drill(*, run: DrillRun, by: User, via: str = Channel.WEB) -> DrillRun:
    """A scheduled drill never starts; a running one's incident is cancelled as a drill, which
    stops its escalation and drops the pages not sent yet."""
    ensure_manages_drills(run.team, by, action="cancel its drills")
    now = timezone.now()
    with transaction.atomic():
        run = (
            DrillRun.objects.select_for_update(of=("self",))
            .select_related("incident")
            .get(pk=run.pk)
        )
        if run.status not in (RunStatus.SCHEDULED, RunStatus.RUNNING):
            raise Conflict(f"drill #{run.pk} is {run.status}: there is nothing to cancel")
        was_running = run.status == RunStatus.RUNNING
        run.status, run.cancelled_at, run.cancelled_by = RunStatus.CANCELLED, now, by
        run.cancel_reason = f"Cancelled by {by}"
        run.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
        if was_running:
            incident = run.incident
            if incident.is_open:
                incidents.cancel(
                    incident=incident, by=by, via=via, reason="The drill was cancelled"
                )
            incidents.record(
                incident,
                Event.DRILL,
                actor=by,
                via=via,
                message=f"Drill cancelled by {by}",
                data={"drill_run": run.pk},
            )
    return run


def follow_incident(incident: Incident, event) -> DrillRun | None:
    """The running drill of `incident` ends with it: finished when resolved, else cancelled;
    the timeline says so. Called by the reaction (reactions.py)."""
    run = (
        DrillRun.objects.select_for_update()
        .filter(incident=incident, status=RunStatus.RUNNING)
        .first()
    )
    if run is None:
        return None
    if event.kind == Event.RESOLVED:
        run.status, run.finished_at = RunStatus.FINISHED, incident.resolved_at or event.at
        run.save(update_fields=["status", "finished_at"])
        message = f"Drill finished: {incident.reference} resolved"
    else:
        run.status, run.cancelled_at = RunStatus.CANCELLED, event.at
        run.cancelled_by_id = event.actor_id
        run.cancel_reason = f"Its incident was cancelled by {event.actor_name or SYSTEM}"[:500]
        run.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
        message = f"Drill cancelled with {incident.reference}"
    incidents.record(
        incident,
        Event.DRILL,
        actor=None,
        via=Channel.SYSTEM,
        system=SYSTEM,
        message=message,
        data={"drill_run": run.pk, "status": run.status},
    )
    return run
