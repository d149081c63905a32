"""How an incident finds its runbook, and an alert's name.

An incident's runbook is, in this order:

1. the runbook of the routing rule that routed its first alert (chosen on the rule's form or
   the runbook's page);
2. else the runbook linked to the name of one of its alerts, the first alert first;
3. else a runbook linked to one of its services (by the runbook's name, when several are);
4. else no Tocsin runbook: the external address its alerts carry (the rule's runbook URL, or the
   alert's own `runbook_url` annotation), if any.
"""

from dataclasses import dataclass

from tocsin.alerting.models import Alert

from .models import RuleRunbook, Runbook, RunbookAlert


def alert_name(alert: Alert) -> str:
    """What the catalogue and runbooks call an alert: its `alertname` label, else its summary."""
    return name_of(alert.labels, alert.summary)


def name_of(labels: dict | None, summary: str) -> str:
    """`alert_name` from an alert's labels and summary, read without the whole row."""
    return (labels or {}).get("alertname") or summary


@dataclass(frozen=True)
class Found:
    runbook: Runbook | None = None
    why: str = ""
    external_url: str = ""


def runbook_for(incident) -> Found:
    alerts = list(
        Alert.objects.filter(incident=incident)
        .select_related("rule")
        .order_by("first_seen_at", "id")
    )
    first = alerts[0] if alerts else None
    if first is not None and first.rule_id:
        link = RuleRunbook.objects.filter(rule_id=first.rule_id).select_related("runbook").first()
        if link is not None:
            return Found(link.runbook, f"the runbook of routing rule {first.rule.name!r}")
    names = list(dict.fromkeys(alert_name(alert) for alert in alerts))
    if names:
        linked = {
            link.alert_name: link.runbook
            for link in RunbookAlert.objects.filter(alert_name__in=names).select_related("runbook")
        }
        for name in names:
            if name in linked:
                return Found(linked[name], f"the runbook for the alert {name!r}")
    by_service = (
        Runbook.objects.filter(services__in=incident.services.all()).distinct().order_by("name")
    )
    runbook = by_service.first()
    if runbook is not None:
        service = runbook.services.filter(pk__in=incident.services.all()).first()
        return Found(runbook, f"the runbook of the service {service.name}")
    external = next((alert.runbook_url for alert in alerts if alert.runbook_url), "")
    return Found(external_url=external)
