"""The alert catalogue: every alert name Tocsin has seen, per integration, read from the alerts
alerting stores (tries sent from an integration's page left out).

Per entry: the description (the latest alert's `description` annotation, else its `summary`
annotation, else its description), its source link (the latest "Source" link, http(s) only),
how many times it fired (alerts, each a firing from start to resolution) and how many signals
they counted, when it last fired, the incidents its alerts opened or joined, and its runbook
(a Tocsin runbook linked to the name, else to the routing rule of its latest alert, else the
external address its latest alert carried). An entry with none of them is missing a runbook.
"""

from dataclasses import dataclass, field
from datetime import datetime

from tocsin.alerting.models import Alert
from tocsin.alerting.views.shared import safe_href

from .models import RuleRunbook, Runbook, RunbookAlert
from .selectors import alert_name


@dataclass
class Entry:
    integration_id: int
    integration: str
    kind: str
    alert_name: str
    description: str = ""
    source_url: str = ""
    fired: int = 0
    signals: int = 0
    last_fired_at: datetime | None = None
    incidents: dict = field(default_factory=dict)  # pk → reference, newest first
    runbook: Runbook | None = None
    runbook_url: str = ""
    _rule_id: int | None = None

    @property
    def missing_runbook(self) -> bool:
        return self.runbook is None and not self.runbook_url


def _source(links) -> str:
    for link in links or []:
        if isinstance(link, dict) and link.get("text") == "Source":
            return safe_href(str(link.get("href", "")))
    return ""


def _description(alert: Alert) -> str:
    annotations = alert.annotations or {}
    text = annotations.get("description") or annotations.get("summary") or alert.description
    return str(text or "").strip()


def catalogue(*, integration: int | None = None, missing: bool = False) -> list[Entry]:
    """The entries, by integration then alert name; `missing` keeps those without a runbook."""
    alerts = (
        Alert.objects.filter(test=False)
        .select_related("integration", "incident")
        .order_by("-last_seen_at", "-id")
    )
    if integration is not None:
        alerts = alerts.filter(integration_id=integration)
    entries: dict[tuple[int, str], Entry] = {}
    for alert in alerts.iterator(chunk_size=2000):
        name = alert_name(alert)
        entry = entries.get((alert.integration_id, name))
        if entry is None:  # the newest alert of the name says what it looks like now
            entry = entries[(alert.integration_id, name)] = Entry(
                integration_id=alert.integration_id,
                integration=alert.integration.name,
                kind=alert.integration.get_kind_display(),
                alert_name=name,
                description=_description(alert),
                source_url=_source(alert.links),
                last_fired_at=alert.last_seen_at,
                runbook_url=safe_href(alert.runbook_url),
                _rule_id=alert.rule_id,
            )
        entry.fired += 1
        entry.signals += alert.count
        if alert.incident_id and alert.incident_id not in entry.incidents:
            entry.incidents[alert.incident_id] = alert.incident.reference
    _attach_runbooks(list(entries.values()))
    found = sorted(entries.values(), key=lambda e: (e.integration.lower(), e.alert_name.lower()))
    return [entry for entry in found if entry.missing_runbook] if missing else found


def _attach_runbooks(entries: list[Entry]) -> None:
    by_name = {
        link.alert_name: link.runbook
        for link in RunbookAlert.objects.filter(
            alert_name__in={e.alert_name for e in entries}
        ).select_related("runbook")
    }
    by_rule = {
        link.rule_id: link.runbook
        for link in RuleRunbook.objects.filter(
            rule_id__in={e._rule_id for e in entries if e._rule_id}
        ).select_related("runbook")
    }
    for entry in entries:
        entry.runbook = by_name.get(entry.alert_name) or by_rule.get(entry._rule_id)
