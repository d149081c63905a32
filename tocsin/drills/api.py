"""REST endpoints of drills: a team's scenarios (/api/v1/teams/{slug}/drill-scenarios, then
/api/v1/drill-scenarios/{id}), starting and scheduling a drill of one, the team's drills
(/api/v1/teams/{slug}/drills), one drill's report and cancelling it (/api/v1/drills/{id}).

Handlers parse, look up, call one service in `drills.services` and serialize; who may change
what is decided there. Reading needs a member of the team or an admin.
"""

from datetime import datetime

from ninja import Router, Schema, Status
from pydantic import Field

from tocsin.accounts.api import team_by_slug
from tocsin.accounts.permissions import ensure_may_see_drills
from tocsin.alerting.models import Integration
from tocsin.errors import NotFound, ValidationFailed
from tocsin.incidents.api.shared import channel, services_by_slug, severity_by_key
from tocsin.schemas import ERRORS, MAX_ID, Input, Patch, TeamRef

from . import services
from .models import DrillRun, Scenario
from .report import report_of

router = Router(tags=["drills"])


class IntegrationRef(Schema):
    id: int
    name: str
    kind: str


class ScenarioOut(Schema):
    id: int
    team: TeamRef
    title: str
    description: str
    severity: str = Field(description="A severity key, e.g. P1.")
    service: str | None = Field(description="A service slug; null: none.")
    integration: IntegrationRef
    payload: dict | list = Field(description="The body its integration's source would send.")
    created_at: datetime
    updated_at: datetime


class ScenarioIn(Input):
    title: str = Field(max_length=150)
    severity: str = Field(description="A severity key, e.g. P1.")
    service: str | None = Field(None, description="A service slug of the team; null: none.")
    integration: int = Field(
        ge=1, le=MAX_ID, description="The id of one of the team's integrations."
    )
    payload: dict | list = Field(
        description="A body that integration's source sends (an Alertmanager webhook, …), "
        "with at least one firing alert; checked with the integration's parser."
    )
    description: str = Field("", max_length=10_000, description="Markdown.")


class ScenarioPatch(Patch):
    title: str = None
    severity: str = None
    service: str | None = Field(None, description="null: no service.")
    integration: int = Field(None, ge=1, le=MAX_ID)
    payload: dict | list = None
    description: str = None


class RunOut(Schema):
    id: int
    team: TeamRef
    scenario: int | None = Field(description="null once the scenario was deleted.")
    scenario_title: str
    status: str = Field(description="scheduled, running, finished or cancelled.")
    scheduled_for: datetime | None
    started_at: datetime | None
    started_by: str | None = Field(description="Who started it, or scheduled it.")
    incident: str | None = Field(description="The drill incident's reference, e.g. INC-42.")
    finished_at: datetime | None
    cancelled_at: datetime | None
    cancelled_by: str | None
    cancel_reason: str


class ScheduleIn(Input):
    scheduled_for: datetime = Field(description="In the future, with a time zone.")


class DrillStepOut(Schema):
    step: int
    text: str
    at: datetime


class ParticipantOut(Schema):
    user: int | None
    name: str
    paged_at: datetime | None = Field(description="When the first page to them was asked for.")
    pages: int
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    steps: list[DrillStepOut] = Field(description="The runbook steps they ticked.")


class EarlierOut(Schema):
    id: int
    scenario_title: str
    started_at: datetime
    time_to_acknowledge: float | None = Field(description="Seconds.")
    time_to_resolve: float | None = Field(description="Seconds.")


class ComparisonOut(Schema):
    median_time_to_acknowledge: float | None = Field(description="Of the earlier drills; s.")
    median_time_to_resolve: float | None
    acknowledge_difference: float | None = Field(
        description="This drill's time to acknowledge minus that median; negative: faster."
    )
    resolve_difference: float | None


class ReportOut(Schema):
    drill: RunOut
    time_to_acknowledge: float | None = Field(description="Seconds from report to acknowledged.")
    time_to_resolve: float | None = Field(description="Seconds from report to resolved.")
    participants: list[ParticipantOut]
    earlier: list[EarlierOut] = Field(
        description="The team's earlier finished drills, newest first."
    )
    comparison: ComparisonOut


def _seconds(value) -> float | None:
    return None if value is None else value.total_seconds()


def _scenario_out(scenario: Scenario) -> dict:
    integration = scenario.integration
    return {
        "id": scenario.pk,
        "team": scenario.team,
        "title": scenario.title,
        "description": scenario.description,
        "severity": scenario.severity.key,
        "service": scenario.service.slug if scenario.service else None,
        "integration": {"id": integration.pk, "name": integration.name, "kind": integration.kind},
        "payload": scenario.payload,
        "created_at": scenario.created_at,
        "updated_at": scenario.updated_at,
    }


def _run_out(run: DrillRun) -> dict:
    return {
        "id": run.pk,
        "team": run.team,
        "scenario": run.scenario_id,
        "scenario_title": run.scenario_title,
        "status": run.status,
        "scheduled_for": run.scheduled_for,
        "started_at": run.started_at,
        "started_by": str(run.started_by) if run.started_by else None,
        "incident": run.incident.reference if run.incident_id else None,
        "finished_at": run.finished_at,
        "cancelled_at": run.cancelled_at,
        "cancelled_by": str(run.cancelled_by) if run.cancelled_by else None,
        "cancel_reason": run.cancel_reason,
    }


def _scenario(request, scenario_id: int) -> Scenario:
    scenario = (
        Scenario.objects.select_related("team", "severity", "service", "integration")
        .filter(pk=scenario_id)
        .first()
    )
    if scenario is None:
        raise NotFound(f"no drill scenario {scenario_id}")
    ensure_may_see_drills(scenario.team, request.user)
    return scenario


def _run(request, run_id: int) -> DrillRun:
    run = (
        DrillRun.objects.select_related("team", "incident", "started_by", "cancelled_by")
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        raise NotFound(f"no drill {run_id}")
    ensure_may_see_drills(run.team, request.user)
    return run


def _integration(integration_id: int) -> Integration:
    integration = Integration.objects.select_related("team").filter(pk=integration_id).first()
    if integration is None:
        raise ValidationFailed(f"no integration {integration_id}", field="integration")
    return integration


def _changes(payload) -> dict:
    changes = payload.dict(exclude_unset=True)
    if "severity" in changes:
        changes["severity"] = severity_by_key(changes["severity"])
    if "service" in changes:
        slug = changes["service"]
        changes["service"] = None if slug is None else services_by_slug([slug], field="service")[0]
    if "integration" in changes:
        changes["integration"] = _integration(changes["integration"])
    return changes


@router.get("/teams/{slug}/drill-scenarios", response={200: list[ScenarioOut], **ERRORS})
def list_drill_scenarios(request, slug: str):
    """The team's scenarios: for its members and admins."""
    team = team_by_slug(slug)
    ensure_may_see_drills(team, request.user)
    scenarios = Scenario.objects.filter(team=team).select_related(
        "team", "severity", "service", "integration"
    )
    return [_scenario_out(s) for s in scenarios]


@router.post("/teams/{slug}/drill-scenarios", response={201: ScenarioOut, **ERRORS})
def create_drill_scenario(request, slug: str, payload: ScenarioIn):
    """Write a scenario: admins and the team's leads. A payload its integration's parser
    refuses is a 422 naming `payload`, and nothing is saved."""
    team = team_by_slug(slug)
    scenario = services.create_scenario(team=team, by=request.user, **_changes(payload))
    return Status(201, _scenario_out(scenario))


@router.get("/drill-scenarios/{int:scenario_id}", response={200: ScenarioOut, **ERRORS})
def get_drill_scenario(request, scenario_id: int):
    return _scenario_out(_scenario(request, scenario_id))


@router.patch("/drill-scenarios/{int:scenario_id}", response={200: ScenarioOut, **ERRORS})
def update_drill_scenario(request, scenario_id: int, payload: ScenarioPatch):
    scenario = _scenario(request, scenario_id)
    scenario = services.update_scenario(scenario=scenario, by=request.user, **_changes(payload))
    return _scenario_out(scenario)


@router.delete("/drill-scenarios/{int:scenario_id}", response={204: None, **ERRORS})
def delete_drill_scenario(request, scenario_id: int):
    """Its past drills stay in the team's history; refused while one is scheduled or running."""
    services.delete_scenario(scenario=_scenario(request, scenario_id), by=request.user)
    return Status(204, None)


@router.post("/drill-scenarios/{int:scenario_id}/start", response={201: RunOut, **ERRORS})
def start_drill(request, scenario_id: int):
    """Start a drill now: its incident is open, and paging as a drill, when this answers."""
    run = services.start_drill(
        scenario=_scenario(request, scenario_id), by=request.user, via=channel(request)
    )
    return Status(201, _run_out(run))


@router.post("/drill-scenarios/{int:scenario_id}/schedule", response={201: RunOut, **ERRORS})
def schedule_drill(request, scenario_id: int, payload: ScheduleIn):
    """A drill the worker starts at `scheduled_for`."""
    run = services.schedule_drill(
        scenario=_scenario(request, scenario_id), by=request.user, at=payload.scheduled_for
    )
    return Status(201, _run_out(run))


@router.get("/teams/{slug}/drills", response={200: list[RunOut], **ERRORS})
def list_drills(request, slug: str, limit: int = 50):
    """The team's drills, newest first."""
    if not 1 <= limit <= 200:
        raise ValidationFailed("limit must be between 1 and 200", field="limit")
    team = team_by_slug(slug)
    ensure_may_see_drills(team, request.user)
    runs = DrillRun.objects.filter(team=team).select_related(
        "team", "incident", "started_by", "cancelled_by"
    )
    return [_run_out(run) for run in runs[:limit]]


@router.get("/drills/{int:run_id}", response={200: ReportOut, **ERRORS})
def get_drill_report(request, run_id: int):
    """The drill with its report: per participant, and compared with the team's earlier drills."""
    report = report_of(_run(request, run_id))
    return {
        "drill": _run_out(report.run),
        "time_to_acknowledge": _seconds(report.time_to_acknowledge),
        "time_to_resolve": _seconds(report.time_to_resolve),
        "participants": [
            {
                "user": p.user_id,
                "name": p.name,
                "paged_at": p.paged_at,
                "pages": p.pages,
                "acknowledged_at": p.acknowledged_at,
                "resolved_at": p.resolved_at,
                "steps": [{"step": s.step, "text": s.text, "at": s.at} for s in p.steps],
            }
            for p in report.participants
        ],
        "earlier": [
            {
                "id": e.run.pk,
                "scenario_title": e.run.scenario_title,
                "started_at": e.run.started_at,
                "time_to_acknowledge": _seconds(e.time_to_acknowledge),
                "time_to_resolve": _seconds(e.time_to_resolve),
            }
            for e in report.earlier
        ],
        "comparison": {
            "median_time_to_acknowledge": _seconds(report.median_time_to_acknowledge),
            "median_time_to_resolve": _seconds(report.median_time_to_resolve),
            "acknowledge_difference": _seconds(report.acknowledge_difference),
            "resolve_difference": _seconds(report.resolve_difference),
        },
    }


@router.post("/drills/{int:run_id}/cancel", response={200: RunOut, **ERRORS})
def cancel_drill(request, run_id: int):
    """A scheduled drill never starts; a running one's incident is cancelled, its pages dropped."""
    run = services.cancel_drill(run=_run(request, run_id), by=request.user, via=channel(request))
    return _run_out(run)
