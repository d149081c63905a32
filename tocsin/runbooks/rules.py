"""Runbooks for routing rules: what tocsin.alerting.rule_runbooks asks of the app that has
runbooks (registered in apps.py), so the rule pages and the rules API can show and choose one."""

from django.urls import reverse

from tocsin.alerting.models import RoutingRule
from tocsin.alerting.rule_runbooks import RunbookLink

from .models import RuleRunbook, Runbook
from .services import set_rule_runbook


class RuleRunbooks:
    def find(self, rule_ids: list[int]) -> dict[int, RunbookLink]:
        return {
            link.rule_id: RunbookLink(
                name=link.runbook.name,
                href=reverse("runbook-detail", args=[link.runbook.slug]),
                slug=link.runbook.slug,
            )
            for link in RuleRunbook.objects.filter(rule_id__in=rule_ids).select_related("runbook")
        }

    def choices(self) -> list[tuple[str, str]]:
        return list(Runbook.objects.order_by("name").values_list("slug", "name"))

    def link(self, rule: RoutingRule, slug: str) -> None:
        set_rule_runbook(rule, slug)


rule_runbooks = RuleRunbooks()
