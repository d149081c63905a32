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

from tocsin.alerting.models import Alert, Integration
from tocsin.alerting.views.shared import safe_href
from tocsin.incidents.models import Incident

from .models import RuleRunbook, Runbook, RunbookAlert
from .selectors import name_of


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
    _latest_id: int | None = None

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
    entries = summaries(integration=integration, missing=missing)
    fill(entries)
    return entries


# What the summary reads of every alert: plain values, not whole rows (an alert's raw payload
# can be large, and building thousands of model instances is what made the page slow).
_SUMMARY = (
    "id",
    "integration_id",
    "labels",
    "summary",
    "last_seen_at",
    "count",
    "runbook_url",
    "rule_id",
    "incident_id",
)


def summaries(*, integration: int | None = None, missing: bool = False) -> list[Entry]:
    """The entries in order, each with its counts, when it last fired and its runbook, but
    not yet its description, source link and incidents: `fill` adds those to the entries
    shown, so that a page of the catalogue reads the details of its own rows only."""
    alerts = Alert.objects.filter(test=False).order_by("-last_seen_at", "-id")
    if integration is not None:
        alerts = alerts.filter(integration_id=integration)
    entries: dict[tuple[int, str], Entry] = {}
    for row in alerts.values_list(*_SUMMARY).iterator(chunk_size=2000):
        pk, integration_id, labels, summary, last_seen_at, count, runbook_url, rule_id = row[:8]
        incident_id = row[8]
        name = name_of(labels, summary)
        entry = entries.get((integration_id, name))
        if entry is None:  # the newest alert of the name says what it looks like now
            entry = entries[(integration_id, name)] = Entry(
                integration_id=integration_id,
                integration="",
                kind="",
                alert_name=name,
                last_fired_at=last_seen_at,
                runbook_url=safe_href(runbook_url),
                _rule_id=rule_id,
                _latest_id=pk,
            )
        entry.fired += 1
        entry.signals += count
        if incident_id and incident_id not in entry.incidents:
            entry.incidents[incident_id] = ""
    found = list(entries.values())
    integrations = Integration.objects.in_bulk({e.integration_id for e in found})
    for entry in found:
        entry.integration = integrations[entry.integration_id].name
        entry.kind = integrations[entry.integration_id].get_kind_display()
    _attach_runbooks(found)
    found.sort(key=lambda e: (e.integration.lower(), e.alert_name.lower()))
    return [entry for entry in found if entry.missing_runbook] if missing else found


def fill(entries: list[Entry]) -> None:
    """Add their description and source link (of their newest alert) and the references of
    their incidents."""
    latest = Alert.objects.only("annotations", "links", "description").in_bulk(
        [entry._latest_id for entry in entries]
    )
    ids = {pk for entry in entries for pk in entry.incidents}
    incidents = Incident.objects.only("id").in_bulk(ids)
    for entry in entries:
        # An alert or incident deleted since the summary was read is simply left out.
        if (alert := latest.get(entry._latest_id)) is not None:
            entry.description = _description(alert)
            entry.source_url = _source(alert.links)
        entry.incidents = {pk: incidents[pk].reference for pk in entry.incidents if pk in incidents}


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
