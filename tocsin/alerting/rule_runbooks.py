"""A routing rule's runbook, as the rule pages and the rules API show it.

Alerting knows only a rule's external runbook URL. An app above it that links rules to runbooks
of its own (tocsin/runbooks/) registers a finder here from its AppConfig.ready(), the way
incident reactions are registered, so alerting never imports it. A rule no finder answers for
shows its runbook URL, if it has one.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .models import RoutingRule
from .views.shared import safe_href


@dataclass(frozen=True)
class RunbookLink:
    """What a rule's runbook is called and where it is; `slug` is empty for an external one."""

    name: str
    href: str
    slug: str = ""


# rule ids -> {rule id: its runbook}, for the rules that have one.
Finder = Callable[[list[int]], dict[int, RunbookLink]]

_finders: list[Finder] = []


def register(finder: Finder) -> None:
    """Called from an AppConfig.ready(); registering the same finder twice keeps one."""
    if finder not in _finders:
        _finders.append(finder)


def runbooks_of(rules: Iterable[RoutingRule]) -> dict[int, RunbookLink]:
    """The runbook of each rule that has one: a registered finder's first, else its URL."""
    rules = list(rules)
    found: dict[int, RunbookLink] = {}
    for finder in _finders:
        for rule_id, runbook in finder([rule.pk for rule in rules]).items():
            found.setdefault(rule_id, runbook)
    for rule in rules:
        href = safe_href(rule.runbook_url)
        if rule.pk not in found and href:
            found[rule.pk] = RunbookLink(name=rule.runbook_url, href=href)
    return found


def runbook_of(rule: RoutingRule) -> RunbookLink | None:
    return runbooks_of([rule]).get(rule.pk)
