"""REST endpoints of runbooks and the alert catalogue: /api/v1/runbooks…, the runbook of an
incident and its ticks (/api/v1/incidents/{ref}/runbook…), /api/v1/alert-catalogue.

Handlers parse, look up, call one service in `runbooks.services` and serialize; who may do
what is decided there. Markdown is answered as its source and as sanitised HTML.
"""

from datetime import datetime

from ninja import Query, Router, Schema, Status
from pydantic import Field

from tocsin.alerting.models import RoutingRule
from tocsin.errors import NotFound, ValidationFailed
from tocsin.incidents.api.shared import channel, incident_named, services_by_slug
from tocsin.schemas import ERRORS, MAX_ID, Input, Patch, ServiceRef
from tocsin.statuspage.markdown import render

from . import services
from .catalogue import catalogue
from .models import Runbook, StepTick
from .selectors import runbook_for
from .steps import steps_of

router = Router(tags=["runbooks"])


class StepOut(Schema):
    number: int
    text: str
    html: str


class RuleRef(Schema):
    id: int
    name: str


class RunbookSummary(Schema):
    slug: str
    name: str
    version: int
    services: list[ServiceRef]
    alert_names: list[str]
    updated_at: datetime


class RunbookOut(RunbookSummary):
    body: str
    html: str
    steps: list[StepOut]
    rules: list[RuleRef]
    created_at: datetime


class VersionOut(Schema):
    number: int
    name: str
    body: str
    diff: str = Field(description="A unified diff from the version before.")
    author: str
    at: datetime


class RunbookIn(Input):
    name: str = Field(max_length=150)
    body: str = Field(max_length=50_000, description="Markdown; numbered items are the steps.")
    services: list[str] = Field(default_factory=list, description="Service slugs.")
    alert_names: list[str] = Field(default_factory=list)
    rules: list[int] = Field(default_factory=list, description="Routing rule ids.")


class RunbookPatch(Patch):
    name: str = None
    body: str = None
    services: list[str] = None
    alert_names: list[str] = None
    rules: list[int] = None


class TickOut(Schema):
    step: int
    text: str
    version: int
    by: str
    at: datetime


class IncidentStepOut(StepOut):
    done: TickOut | None


class IncidentRunbookOut(Schema):
    runbook: RunbookSummary | None
    why: str
    external_url: str
    steps: list[IncidentStepOut]


class TickIn(Input):
    step: int = Field(ge=1, le=10_000)
    note: str = Field("", max_length=500)
    runbook: str | None = Field(
        None, description="The runbook's slug; left out: the incident's runbook."
    )


class CatalogueEntryOut(Schema):
    integration: int
    integration_name: str
    alert_name: str
    description: str
    source_url: str
    fired: int = Field(description="Alerts of this name: each a firing until resolved.")
    signals: int = Field(description="Signals those alerts counted.")
    last_fired_at: datetime | None
    incidents: list[str]
    runbook: str | None = Field(description="The slug of its Tocsin runbook.")
    runbook_url: str = Field(description="Else the external address its latest alert carried.")
    missing_runbook: bool


def _steps(body: str) -> list[dict]:
    return [{"number": s.number, "text": s.text, "html": s.html} for s in steps_of(body)]


def _summary(runbook: Runbook) -> dict:
    return {
        "slug": runbook.slug,
        "name": runbook.name,
        "version": runbook.version,
        "services": list(runbook.services.all()),
        "alert_names": list(runbook.alerts.values_list("alert_name", flat=True)),
        "updated_at": runbook.updated_at,
    }


def _detail(runbook: Runbook) -> dict:
    return {
        **_summary(runbook),
        "body": runbook.body,
        "html": render(runbook.body),
        "steps": _steps(runbook.body),
        "rules": [
            {"id": link.rule_id, "name": link.rule.name}
            for link in runbook.rule_links.select_related("rule")
        ],
        "created_at": runbook.created_at,
    }


def _runbook(slug: str) -> Runbook:
    runbook = Runbook.objects.filter(slug=slug).first()
    if runbook is None:
        raise NotFound(f"no runbook {slug!r}")
    return runbook


def _rules(ids: list[int]) -> list[RoutingRule]:
    found = {
        rule.pk: rule for rule in RoutingRule.objects.filter(pk__in=ids).select_related("team")
    }
    for rule_id in ids:
        if rule_id not in found:
            raise ValidationFailed(f"no routing rule {rule_id}", field="rules")
    return [found[rule_id] for rule_id in dict.fromkeys(ids)]


def _changes(payload) -> dict:
    changes = payload.dict(exclude_unset=True)
    if "services" in changes:
        changes["services"] = services_by_slug(changes["services"])
    if "rules" in changes:
        changes["rules"] = _rules(changes["rules"])
    return changes


@router.get("/runbooks", response={200: list[RunbookSummary], **ERRORS})
def list_runbooks(request):
    return [_summary(r) for r in Runbook.objects.prefetch_related("services", "alerts")]


@router.post("/runbooks", response={201: RunbookOut, **ERRORS})
def create_runbook(request, payload: RunbookIn):
    """Write a runbook: admins, and team leads for their own teams' services."""
    changes = _changes(payload)
    runbook = services.create_runbook(by=request.user, **changes)
    return Status(201, _detail(runbook))


@router.get("/runbooks/{slug}", response={200: RunbookOut, **ERRORS})
def get_runbook(request, slug: str):
    return _detail(_runbook(slug))


@router.patch("/runbooks/{slug}", response={200: RunbookOut, **ERRORS})
def update_runbook(request, slug: str, payload: RunbookPatch):
    """Change a runbook; a new name or body keeps a new version with its diff."""
    runbook = _runbook(slug)
    runbook = services.update_runbook(runbook=runbook, by=request.user, **_changes(payload))
    return _detail(runbook)


@router.get("/runbooks/{slug}/versions", response={200: list[VersionOut], **ERRORS})
def list_runbook_versions(request, slug: str):
    """Every version, newest first."""
    return [
        {
            "number": v.number,
            "name": v.name,
            "body": v.body,
            "diff": v.diff,
            "author": v.author_name,
            "at": v.at,
        }
        for v in _runbook(slug).versions.order_by("-number")
    ]


def _incident_runbook(incident) -> dict:
    found = runbook_for(incident)
    if found.runbook is None:
        return {"runbook": None, "why": "", "external_url": found.external_url, "steps": []}
    ticks = {t.step: t for t in StepTick.objects.filter(incident=incident, runbook=found.runbook)}
    steps = []
    for step in _steps(found.runbook.body):
        tick = ticks.get(step["number"])
        done = tick and {
            "step": tick.step,
            "text": tick.text,
            "version": tick.version,
            "by": tick.by_name,
            "at": tick.at,
        }
        steps.append({**step, "done": done or None})
    return {
        "runbook": _summary(found.runbook),
        "why": found.why,
        "external_url": "",
        "steps": steps,
    }


@router.get("/incidents/{ref}/runbook", response={200: IncidentRunbookOut, **ERRORS})
def get_incident_runbook(request, ref: str):
    """The incident's runbook (see docs/after-the-incident.md for how it is found) and which
    of its steps are done."""
    return _incident_runbook(incident_named(ref))


def _runbook_of(incident, slug: str | None) -> Runbook:
    """The runbook a tick names, else the incident's own."""
    if slug is None:
        runbook = runbook_for(incident).runbook
        if runbook is None:
            raise ValidationFailed(f"{incident.reference} has no runbook", field="runbook")
        return runbook
    runbook = Runbook.objects.filter(slug=slug).first()
    if runbook is None:
        raise ValidationFailed(f"no runbook {slug!r}", field="runbook")
    return runbook


@router.post("/incidents/{ref}/runbook/ticks", response={201: TickOut, **ERRORS})
def tick_incident_runbook_step(request, ref: str, payload: TickIn):
    """Tick a step of the incident's runbook: once, onto its timeline."""
    incident = incident_named(ref)
    runbook = _runbook_of(incident, payload.runbook)
    tick = services.tick_step(
        incident=incident,
        runbook=runbook,
        step=payload.step,
        note=payload.note,
        by=request.user,
        via=channel(request),
    )
    return Status(
        201,
        {
            "step": tick.step,
            "text": tick.text,
            "version": tick.version,
            "by": tick.by_name,
            "at": tick.at,
        },
    )


class UntickFilters(Schema):
    runbook: str | None = Field(
        None, max_length=100, description="The runbook's slug; left out: the incident's runbook."
    )


@router.delete("/incidents/{ref}/runbook/ticks/{int:step}", response={204: None, **ERRORS})
def untick_incident_runbook_step(request, ref: str, step: int, filters: Query[UntickFilters]):
    """Take back the tick of a step (ticked by mistake), onto the timeline; it can be ticked
    again. 409 when the step is not ticked or the incident is no longer open."""
    incident = incident_named(ref)
    services.untick_step(
        incident=incident,
        runbook=_runbook_of(incident, filters.runbook),
        step=step,
        by=request.user,
        via=channel(request),
    )
    return Status(204, None)


class CatalogueFilters(Schema):
    integration: int | None = Field(None, ge=1, le=MAX_ID, description="An integration id.")
    missing: bool = Field(False, description="Only the alerts that have no runbook.")


@router.get("/alert-catalogue", response={200: list[CatalogueEntryOut], **ERRORS})
def alert_catalogue(request, filters: Query[CatalogueFilters]):
    """Every alert name seen, per integration; `missing=true` keeps those without a runbook."""
    integration, missing = filters.integration, filters.missing
    return [
        {
            "integration": e.integration_id,
            "integration_name": e.integration,
            "alert_name": e.alert_name,
            "description": e.description,
            "source_url": e.source_url,
            "fired": e.fired,
            "signals": e.signals,
            "last_fired_at": e.last_fired_at,
            "incidents": list(e.incidents.values()),
            "runbook": e.runbook.slug if e.runbook else None,
            "runbook_url": "" if e.runbook else e.runbook_url,
            "missing_runbook": e.missing_runbook,
        }
        for e in catalogue(integration=integration, missing=missing)
    ]
