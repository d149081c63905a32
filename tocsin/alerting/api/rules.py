"""Routing rules, in evaluation order, and the severity mapping of each kind of source."""

from datetime import datetime

from ninja import Field, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from tocsin.accounts.api import team_by_slug
from tocsin.errors import NotFound
from tocsin.incidents.api import severity_by_key
from tocsin.schemas import ERRORS, Input, Patch, ServiceRef, TeamRef

from .. import selectors, services
from ..models import RoutingRule, SeverityMapping
from ..routing import describe
from ..rule_runbooks import runbook_of, runbooks_of
from .shared import IntegrationRef, SeverityRef, integration_by_id, service_by_slug

router = Router()


class MatcherOut(Schema):
    field: str
    op: str
    value: str


class RuleRunbookOut(Schema):
    name: str = Field(description="The runbook's name; an external one's address.")
    slug: str | None = Field(description="The Tocsin runbook's slug; null for an external one.")
    url: str = Field(description="The runbook's page (/runbooks/<slug>/) or the external address.")


class RuleOut(Schema):
    id: int
    position: int
    name: str
    enabled: bool
    integration: IntegrationRef | None = Field(description="Only alerts from this integration.")
    matchers: list[MatcherOut]
    description: str = Field(description="The matchers in words.")
    team: TeamRef | None
    service: ServiceRef | None
    severity: SeverityRef | None
    runbook_url: str
    runbook: RuleRunbookOut | None = Field(
        description="A runbook of Tocsin's linked to the rule, else its runbook URL; null if none."
    )
    grouping_key: str
    suppress: bool
    created_at: datetime

    @staticmethod
    def resolve_description(rule: RoutingRule) -> str:
        return describe(rule.matchers)

    @staticmethod
    def resolve_runbook(rule: RoutingRule) -> dict | None:
        runbooks = getattr(rule, "listed_runbooks", None)
        link = runbooks.get(rule.pk) if runbooks is not None else runbook_of(rule)
        if link is None:
            return None
        return {"name": link.name, "slug": link.slug or None, "url": link.href}


class SeverityMappingOut(Schema):
    kind: str
    value: str
    severity: SeverityRef


class MatcherIn(Input):
    field: str = Field(description="labels.<name>, annotations.<name>, summary, source, …")
    op: str = Field("=", description="=, !=, =~, !~, exists or !exists")
    value: str = ""


MatcherItem = MatcherIn | str


class RuleIn(Input):
    name: str
    matchers: list[MatcherItem] = Field(
        default_factory=list,
        description='Objects, or lines such as "labels.severity = critical"; empty matches all.',
    )
    position: StrictInt = 100
    enabled: StrictBool = True
    integration: StrictInt | None = Field(None, description="Only alerts from this integration.")
    team: str | None = Field(None, description="Team slug; empty keeps the integration's team.")
    service: str | None = Field(None, description="Service slug.")
    severity: str | None = Field(None, description="Severity key, e.g. P1.")
    runbook_url: str = Field("", description="An external runbook; or give `runbook`.")
    runbook: str | None = Field(
        None, description="A runbook of Tocsin's by slug (its steps become a checklist)."
    )
    grouping_key: str = Field("", description="A template: {labels.cluster}/{labels.alertname}")
    suppress: StrictBool = False


class RulePatch(Patch):
    name: str = None
    matchers: list[MatcherItem] = None
    position: StrictInt = None
    enabled: StrictBool = None
    integration: StrictInt | None = Field(None, description="null: alerts from any integration.")
    team: str | None = Field(None, description="null: the integration's team.")
    service: str | None = Field(None, description="null: the integration's service.")
    severity: str | None = Field(None, description="null: decided by the severity mapping.")
    runbook_url: str = Field(
        None, description="An external runbook; a non-empty one takes the rule off `runbook`."
    )
    runbook: str | None = Field(
        None, description="A runbook of Tocsin's by slug (clears runbook_url); null: none."
    )
    grouping_key: str = None
    suppress: StrictBool = None


class SeverityMappingIn(Input):
    severity: str | None = Field(description="A severity key; null removes the mapping.")


def _team(slug: str | None, *, field: str = "team"):
    return None if slug is None else team_by_slug(slug, field=field)


def _matchers(items: list) -> list:
    """Lines as they are, objects as dicts: the service reads both, once it has checked that
    the caller may write the rule at all."""
    return [item if isinstance(item, str) else item.model_dump() for item in items]


def _rule(rule_id: int) -> RoutingRule:
    rule = RoutingRule.objects.select_related("team").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(f"no routing rule {rule_id}")
    return rule


def _rule_detail(rule: RoutingRule) -> RoutingRule:
    return selectors.rules_in_order().get(pk=rule.pk)


@router.get("/rules", response={200: list[RuleOut], **ERRORS})
def list_rules(request):
    """In evaluation order: the first enabled rule that matches an alert decides."""
    rules = list(selectors.rules_in_order())
    runbooks = runbooks_of(rules)  # one look-up for the list, not one a rule
    for rule in rules:
        rule.listed_runbooks = runbooks
    return rules


@router.post("/rules", response={201: RuleOut, **ERRORS})
def create_rule(request, payload: RuleIn):
    """Admins for any team; team leads for their own team."""
    integration = (
        None
        if payload.integration is None
        else integration_by_id(payload.integration, field="integration")
    )
    rule = services.create_rule(
        by=request.user,
        name=payload.name,
        matchers=_matchers(payload.matchers),
        position=payload.position,
        enabled=payload.enabled,
        integration=integration,
        team=_team(payload.team),
        service=service_by_slug(payload.service),
        severity=severity_by_key(payload.severity),
        runbook_url=payload.runbook_url,
        runbook=payload.runbook or "",
        grouping_key=payload.grouping_key,
        suppress=payload.suppress,
    )
    return Status(201, _rule_detail(rule))


@router.patch("/rules/{int:rule_id}", response={200: RuleOut, **ERRORS})
def update_rule(request, rule_id: int, payload: RulePatch):
    rule = _rule(rule_id)
    given = payload.model_dump(exclude_unset=True)
    changes = {
        name: given[name]
        for name in (
            "name",
            "position",
            "enabled",
            "runbook_url",
            "runbook",
            "grouping_key",
            "suppress",
        )
        if name in given
    }
    if "matchers" in given:
        changes["matchers"] = _matchers(payload.matchers)
    if "integration" in given:
        changes["integration"] = (
            None
            if given["integration"] is None
            else integration_by_id(given["integration"], field="integration")
        )
    if "team" in given:
        changes["team"] = _team(given["team"])
    if "service" in given:
        changes["service"] = service_by_slug(given["service"])
    if "severity" in given:
        changes["severity"] = severity_by_key(given["severity"])
    rule = services.update_rule(rule=rule, by=request.user, **changes)
    return _rule_detail(rule)


@router.delete("/rules/{int:rule_id}", response={204: None, **ERRORS})
def delete_rule(request, rule_id: int):
    services.delete_rule(rule=_rule(rule_id), by=request.user)
    return Status(204, None)


@router.get("/severity-mappings", response={200: list[SeverityMappingOut], **ERRORS})
def list_severity_mappings(request, kind: str | None = None):
    """The source's severity word → a severity, per kind of integration."""
    mappings = SeverityMapping.objects.select_related("severity").order_by(
        "kind", "severity__rank", "value"
    )
    if kind:
        mappings = mappings.filter(kind=services.clean_kind(kind))
    return mappings


@router.put(
    "/severity-mappings/{kind}/{value}",
    response={200: SeverityMappingOut, 204: None, **ERRORS},
)
def set_severity_mapping(request, kind: str, value: str, payload: SeverityMappingIn):
    """Admins only. A null severity removes the mapping (204)."""
    mapping = services.set_severity_mapping(
        kind=kind, value=value, severity=severity_by_key(payload.severity), by=request.user
    )
    return Status(204, None) if mapping is None else mapping
