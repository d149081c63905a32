"""A routing rule's runbook: a runbook of Tocsin's or an external runbook URL, never both.

Alerting knows only a rule's external runbook URL. An app above it that has runbooks of its own
(tocsin/runbooks/) registers a `Provider` here from its AppConfig.ready(), the way incident
reactions are registered, so alerting never imports it: the provider finds the rules' runbooks
for the rule pages and the rules API, lists the runbooks a rule may choose, and links a rule to
one inside the rule's own transaction. A rule no provider answers for shows its runbook URL, if
it has one.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from tocsin.errors import ValidationFailed

from .models import RoutingRule
from .views.shared import safe_href


@dataclass(frozen=True)
class RunbookLink:
    """What a rule's runbook is called and where it is; `slug` is empty for an external one."""

    name: str
    href: str
    slug: str = ""


class Provider(Protocol):
    def find(self, rule_ids: list[int]) -> dict[int, RunbookLink]:
        """rule ids -> {rule id: its runbook}, for the rules that have one."""

    def choices(self) -> list[tuple[str, str]]:
        """(slug, name) of every runbook a rule may use, by name."""

    def link(self, rule: RoutingRule, slug: str) -> None:
        """The rule now uses the runbook with this slug; an empty slug: none. Called inside
        the rule's transaction, once whoever changes the rule may; an unknown slug raises
        ValidationFailed(field="runbook")."""


_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Called from an AppConfig.ready(); registering the same provider twice keeps one."""
    if provider not in _providers:
        _providers.append(provider)


def runbooks_of(rules: Iterable[RoutingRule]) -> dict[int, RunbookLink]:
    """The runbook of each rule that has one: a provider's first, else its URL."""
    rules = list(rules)
    found: dict[int, RunbookLink] = {}
    for provider in _providers:
        for rule_id, runbook in provider.find([rule.pk for rule in rules]).items():
            found.setdefault(rule_id, runbook)
    for rule in rules:
        href = safe_href(rule.runbook_url)
        if rule.pk not in found and href:
            found[rule.pk] = RunbookLink(name=rule.runbook_url, href=href)
    return found


def runbook_of(rule: RoutingRule) -> RunbookLink | None:
    return runbooks_of([rule]).get(rule.pk)


def runbook_choices() -> list[tuple[str, str]]:
    """(slug, name) of the runbooks of Tocsin's a rule may use; none without a provider."""
    return [choice for provider in _providers for choice in provider.choices()]


def clean_runbook_slug(slug) -> str:
    if slug is None:
        return ""
    if not isinstance(slug, str):
        raise ValidationFailed("the runbook is a runbook's slug, or null", field="runbook")
    slug = slug.strip()
    if slug and not _providers:
        raise ValidationFailed(
            "this Tocsin has no runbooks of its own: give a runbook URL instead", field="runbook"
        )
    return slug


def link_runbook(rule: RoutingRule, slug: str) -> None:
    """Inside the rule's transaction: the rule uses this runbook of Tocsin's (empty: none)."""
    for provider in _providers:
        provider.link(rule, slug)
