"""Routing rules (creating, changing, reordering, deleting) and the severity mapping."""

import string

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction

from tocsin.accounts.permissions import (
    ensure_admin,
    ensure_manages_routing_rules,
    ensure_may_route,
    ensure_may_route_to_service,
    ensure_may_write_routing_rules,
)
from tocsin.errors import ValidationFailed
from tocsin.validation import clean_text

from ..matcher_text import parse_matchers
from ..models import RoutingRule, SeverityMapping
from ..routing import validate_matchers
from ..rule_runbooks import clean_runbook_slug, link_runbook
from .shared import clean_kind, clean_name, refuse_unknown_settings

MAX_POSITION = 1_000_000


def _clean_grouping_key(template: str) -> str:
    template = clean_text(template, field="grouping_key", max_length=200)
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    except ValueError as error:
        raise ValidationFailed(
            f"the grouping key is not a template such as {{labels.cluster}}/{{labels.alertname}}: "
            f"{error}",
            field="grouping_key",
        ) from None
    for name in fields:
        group = name.split(".", 1)[0]
        if not (group in ("labels", "annotations") and "." in name) and name not in (
            "summary",
            "description",
            "source",
            "severity",
            "fingerprint",
            "service",
        ):
            raise ValidationFailed(
                f"the grouping key names {{{name}}}; use {{labels.<name>}}, "
                "{annotations.<name>}, {summary}, {source}, {severity}, {fingerprint} or {service}",
                field="grouping_key",
            )
    return template


def _clean_runbook(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        raise ValidationFailed(f"{url!r} is not an http(s) address", field="runbook_url") from None
    if len(url) > 200:
        raise ValidationFailed(
            "the runbook address is longer than 200 characters", field="runbook_url"
        )
    return url


def _one_runbook(slug: str, url: str) -> None:
    if slug and url:
        raise ValidationFailed(
            "choose a runbook of Tocsin's or give a runbook URL, not both", field="runbook"
        )


def _clean_position(position) -> int:
    if isinstance(position, bool) or not isinstance(position, int):
        raise ValidationFailed("the position must be a whole number", field="position")
    if not 0 <= position <= MAX_POSITION:
        raise ValidationFailed(
            f"the position must be between 0 and {MAX_POSITION:,}", field="position"
        )
    return position


def _one_line(index: int, line: str) -> dict:
    try:
        parsed = parse_matchers(line)
    except ValueError as error:
        message = str(error).removeprefix("line 1: ")
        raise ValueError(f"matchers[{index}]: {message}") from None
    if len(parsed) != 1:
        raise ValueError(
            f"matchers[{index}] must be one matcher such as 'labels.severity = critical'"
        )
    return parsed[0]


def _clean_matchers(matchers) -> list[dict]:
    """The rule's matchers from objects, lines ("labels.severity = critical") or a mix (the
    API), or the rules page's text, one a line. Read only here, once whoever saves the rule has
    been found to be allowed to: nobody else's input reaches the parser."""
    try:
        if isinstance(matchers, str):
            return parse_matchers(matchers)
        if isinstance(matchers, list):
            matchers = [
                _one_line(index, item) if isinstance(item, str) else item
                for index, item in enumerate(matchers)
            ]
        return validate_matchers(matchers)
    except ValueError as error:
        raise ValidationFailed(str(error), field="matchers") from None


def create_rule(
    *,
    by,
    name: str,
    matchers,
    position: int = 100,
    enabled: bool = True,
    integration=None,
    team=None,
    service=None,
    severity=None,
    runbook_url: str = "",
    runbook: str = "",
    grouping_key: str = "",
    suppress: bool = False,
) -> RoutingRule:
    """A new routing rule, written once: one created disabled is never evaluated. Its runbook
    is one of Tocsin's (`runbook`, a slug) or an external `runbook_url`, or neither."""
    ensure_may_write_routing_rules(by)
    ensure_manages_routing_rules(team, by, action="add routing rules", field="team")
    rule = RoutingRule(
        position=_clean_position(position),
        name=clean_name(name, "rule a name"),
        enabled=bool(enabled),
        integration=integration,
        matchers=_clean_matchers(matchers),
        team=team,
        service=service,
        severity=severity,
        runbook_url=_clean_runbook(runbook_url),
        grouping_key=_clean_grouping_key(grouping_key),
        suppress=bool(suppress),
    )
    slug = clean_runbook_slug(runbook)
    _one_runbook(slug, rule.runbook_url)
    ensure_may_route(team=team, integration=integration, by=by)
    ensure_may_route_to_service(service, team=team, by=by)
    with transaction.atomic():
        rule.save()
        if slug:
            link_runbook(rule, slug)
    return rule


RULE_SETTINGS = {
    "name": lambda value: clean_name(value, "rule a name"),
    "enabled": bool,
    "position": _clean_position,
    "integration": lambda value: value,
    "matchers": _clean_matchers,
    "team": lambda value: value,
    "service": lambda value: value,
    "severity": lambda value: value,
    "runbook_url": _clean_runbook,
    "grouping_key": _clean_grouping_key,
    "suppress": bool,
}


def update_rule(*, rule: RoutingRule, by, **changes) -> RoutingRule:
    """Change a rule; whoever changes it must manage its team before and after. Choosing a
    runbook of Tocsin's (`runbook`) clears the runbook URL; giving a runbook URL takes the rule
    off its runbook of Tocsin's."""
    ensure_manages_routing_rules(rule.team, by, action="change this routing rule")
    if "team" in changes:
        ensure_manages_routing_rules(
            changes["team"], by, action="give a routing rule to that team", field="team"
        )
    # None: the rule keeps its runbook of Tocsin's; "": it has none; else the chosen slug.
    slug = clean_runbook_slug(changes.pop("runbook")) if "runbook" in changes else None
    refuse_unknown_settings(changes, RULE_SETTINGS)
    clean = {name: RULE_SETTINGS[name](value) for name, value in changes.items()}
    if slug is not None:
        _one_runbook(slug, clean.get("runbook_url", ""))
    with transaction.atomic():
        rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
        for field_name, value in clean.items():
            setattr(rule, field_name, value)
        ensure_may_route(team=rule.team, integration=rule.integration, by=by)
        ensure_may_route_to_service(rule.service, team=rule.team, by=by)
        rule.save()
        if slug is None and clean.get("runbook_url"):
            slug = ""  # an external address instead of the rule's runbook of Tocsin's
        if slug is not None:
            link_runbook(rule, slug)
    return rule


def move_rule(*, rule: RoutingRule, by, direction: str) -> RoutingRule:
    """Swap a rule with the one before ("up") or after ("down") it in the evaluation order.

    When several rules share a position, all rules are first renumbered 10, 20, 30… in their
    current order, so that the order people see is the order that is evaluated.
    """
    if direction not in ("up", "down"):
        raise ValidationFailed("move a rule 'up' or 'down'", field="direction")
    with transaction.atomic():
        rules = list(RoutingRule.objects.select_for_update(of=("self",)).select_related("team"))
        index = next((i for i, r in enumerate(rules) if r.pk == rule.pk), None)
        if index is None:
            raise ValidationFailed("this routing rule no longer exists", field="rule")
        other_index = index - 1 if direction == "up" else index + 1
        if not 0 <= other_index < len(rules):
            where = "first" if direction == "up" else "last"
            raise ValidationFailed(f"{rules[index]} is already the {where} rule", field="direction")
        mine, other = rules[index], rules[other_index]
        for team in (mine.team, other.team):
            ensure_manages_routing_rules(team, by, action="reorder these routing rules")
        positions = [r.position for r in rules]
        if len(set(positions)) != len(positions):
            for number, each in enumerate(rules, start=1):
                each.position = number * 10
            RoutingRule.objects.bulk_update(rules, ["position"])
        mine.position, other.position = other.position, mine.position
        RoutingRule.objects.bulk_update([mine, other], ["position"])
    return mine


def delete_rule(*, rule: RoutingRule, by) -> None:
    ensure_manages_routing_rules(rule.team, by, action="delete it", whose="of the rule's team")
    with transaction.atomic():
        rule.delete()


def set_severity_mapping(*, kind: str, value: str, severity, by) -> SeverityMapping | None:
    """Map a source's severity word to a rung of the ladder; no severity removes the mapping."""
    ensure_admin(by)
    clean_kind(kind)
    value = (value or "").strip().lower()
    if not value:
        raise ValidationFailed("give the source's word, e.g. critical", field="value")
    if len(value) > 50:
        raise ValidationFailed("the word is longer than 50 characters", field="value")
    with transaction.atomic():
        if severity is None:
            SeverityMapping.objects.filter(kind=kind, value=value).delete()
            return None
        mapping, _ = SeverityMapping.objects.update_or_create(
            kind=kind, value=value, defaults={"severity": severity}
        )
    return mapping
